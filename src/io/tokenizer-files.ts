import { join } from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from './atomic-write.js';

/**
 * What a tokenizer must give to be saved. The text layer's BertTokenizer has this shape; io names
 * the shape instead of importing it because io sits beside text, not above it.
 */
export interface TokenizerFileContents {
  /** vocab.txt, one token per line in id order. */
  vocabText(): string;
  /** tokenizer.json. */
  readonly tokenizerJson: unknown;
  /** tokenizer_config.json. */
  readonly tokenizerConfig: unknown;
}

/**
 * Writes vocab.txt, tokenizer.json and tokenizer_config.json into `dir`, each atomically, so that
 * HF's `AutoTokenizer.from_pretrained(dir)` and `BertTokenizer.fromDirectory(dir)` load them.
 */
export function saveTokenizerFiles(tokenizer: TokenizerFileContents, dir: string): void {
  // vocabText() may refuse (a vocabulary with a hole): ask before anything is written.
  const vocab = tokenizer.vocabText();
  writeFileAtomic(join(dir, 'vocab.txt'), vocab);
  writeJsonAtomic(join(dir, 'tokenizer.json'), tokenizer.tokenizerJson);
  writeJsonAtomic(join(dir, 'tokenizer_config.json'), tokenizer.tokenizerConfig);
}
