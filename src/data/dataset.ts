import type { EncodeOptions } from '../text/tokenizer.js';

/** A labelled text: the label is the class id of the label map. */
export type Example = { text: string; label: number };

/** An example whose token ids ([CLS] … [SEP], truncated to the dataset's maxLength) are computed once. */
export interface TokenizedExample {
  ids: Int32Array;
  label: number;
}

/** A split tokenized once, to be batched every epoch without tokenizing again. */
export interface TokenizedDataset {
  examples: TokenizedExample[];
  maxLength: number;
  padId: number;
}

/** What tokenization needs of a tokenizer (TextTokenizer has it). */
export interface TokenizerLike {
  readonly padId: number;
  encode(text: string, options?: EncodeOptions): number[];
}

export interface TokenizeDatasetOptions {
  /** Longest sequence, [CLS] and [SEP] included (e.g. 128 or 512). */
  maxLength: number;
  /** Called every `progressEvery` examples and at the end. */
  onProgress?: (done: number, total: number) => void;
  progressEvery?: number;
}

export function tokenizeDataset(
  tokenizer: TokenizerLike,
  examples: readonly Example[],
  options: TokenizeDatasetOptions,
): TokenizedDataset {
  const { maxLength, onProgress, progressEvery = 256 } = options;
  const tokenized: TokenizedExample[] = new Array(examples.length);
  for (let i = 0; i < examples.length; i++) {
    const { text, label } = examples[i];
    tokenized[i] = { ids: Int32Array.from(tokenizer.encode(text, { maxLength, truncation: true })), label };
    if (onProgress && ((i + 1) % progressEvery === 0 || i + 1 === examples.length))
      onProgress(i + 1, examples.length);
  }
  return { examples: tokenized, maxLength, padId: tokenizer.padId };
}
