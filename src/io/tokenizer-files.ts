import { join } from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from './atomic-write.js';

/**
 * What a tokenizer must give to be saved. The text layer's TextTokenizer has this shape; io names
 * the shape instead of importing it because io sits beside text, not above it.
 */
export interface TokenizerFileContents {
  /** vocab.txt, one token per line in id order, for a WordPiece tokenizer; undefined for others. */
  vocabText(): string | undefined;
  /** tokenizer.json. */
  readonly tokenizerJson: unknown;
  /** tokenizer_config.json. */
  readonly tokenizerConfig: unknown;
}

/**
 * Writes tokenizer.json and tokenizer_config.json (and vocab.txt for WordPiece) into `dir`, each
 * atomically, so that HF's `AutoTokenizer.from_pretrained(dir)` and `TextTokenizer.fromDirectory(dir)`
 * load them.
 */
export function saveTokenizerFiles(tokenizer: TokenizerFileContents, dir: string): void {
  // vocabText() may refuse (a vocabulary with a hole): ask before anything is written.
  const vocab = tokenizer.vocabText();
  if (vocab !== undefined) writeFileAtomic(join(dir, 'vocab.txt'), vocab);
  writeJsonAtomic(join(dir, 'tokenizer.json'), tokenizer.tokenizerJson);
  writeJsonAtomic(join(dir, 'tokenizer_config.json'), tokenizer.tokenizerConfig);
}
