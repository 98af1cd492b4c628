import { UserError } from '../errors.js';
import type { EncodeOptions, Side } from '../text/tokenizer.js';

/**
 * A labelled text (with its second text for sentence pairs): the label is the class id of the label
 * map. A multi-label example has `targets` instead, one 0/1 per class of the map (1: the text has that
 * label), and its `label` is −100, PyTorch's "no class id".
 */
export type Example = { text: string; textPair?: string; label: number; targets?: Float32Array };

/** The `label` of a multi-label example, which has `targets` instead (PyTorch's ignore_index). */
export const NO_CLASS_ID = -100;

/** An example whose token ids ([CLS] … [SEP], truncated to the dataset's maxLength) are computed once. */
export interface TokenizedExample {
  ids: Int32Array;
  /** Token type ids of a sentence pair (0 for the first text, 1 for the second); absent: all 0. */
  typeIds?: Int32Array;
  label: number;
  /** A multi-label example's 0/1 per class (see Example). */
  targets?: Float32Array;
}

/** A split tokenized once, to be batched every epoch without tokenizing again. */
export interface TokenizedDataset {
  examples: TokenizedExample[];
  maxLength: number;
  padId: number;
  /** Where batches of it put their padding, as the tokenizer says (default right). */
  paddingSide?: Side;
}

/** A sentence pair's encoding: ids and, position by position, the segment each id belongs to. */
export interface PairEncoding {
  ids: number[];
  tokenTypeIds: number[];
}

/** What tokenization needs of a tokenizer (TextTokenizer has it). */
export interface TokenizerLike {
  readonly padId: number;
  readonly paddingSide?: Side;
  encode(text: string, options?: EncodeOptions): number[];
  /** Both texts as one sequence, as the checkpoint's post-processor joins them; needed for pairs only. */
  encodePair?(text: string, pair: string, options?: EncodeOptions): PairEncoding;
}

/** One example's ids (and token type ids for a pair), cut to maxLength. */
export function encodeExample(
  tokenizer: TokenizerLike,
  example: { text: string; textPair?: string },
  maxLength: number,
): { ids: Int32Array; typeIds?: Int32Array } {
  if (example.textPair === undefined) {
    return { ids: Int32Array.from(tokenizer.encode(example.text, { maxLength, truncation: true })) };
  }
  if (!tokenizer.encodePair) {
    throw new UserError('This tokenizer cannot encode sentence pairs, so --text-pair-column cannot be used.');
  }
  const pair = tokenizer.encodePair(example.text, example.textPair, { maxLength, truncation: true });
  return { ids: Int32Array.from(pair.ids), typeIds: Int32Array.from(pair.tokenTypeIds) };
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
    const example = examples[i];
    tokenized[i] = attachLabels({ ...encodeExample(tokenizer, example, maxLength) }, example);
    if (onProgress && ((i + 1) % progressEvery === 0 || i + 1 === examples.length))
      onProgress(i + 1, examples.length);
  }
  return { examples: tokenized, maxLength, padId: tokenizer.padId, paddingSide: tokenizer.paddingSide };
}

/** The token ids given an example's label, and its targets when it is multi-label. */
export function attachLabels(
  tokens: { ids: Int32Array; typeIds?: Int32Array },
  example: Pick<Example, 'label' | 'targets'>,
): TokenizedExample {
  const out: TokenizedExample = { ...tokens, label: example.label };
  if (example.targets !== undefined) out.targets = example.targets;
  return out;
}
