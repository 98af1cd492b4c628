import { UserError } from '../errors.js';
import type { TokenizerFileSource } from './tokenizer-directory.js';

/** The browser build's twin of tokenizer-folder.ts: a page reads no folder by path. */
export function tokenizerFolder(dir: string): TokenizerFileSource {
  throw new UserError(
    `A browser cannot read the folder ${dir} by its path; load the tokenizer with TextTokenizer.fromFiles.`,
  );
}
