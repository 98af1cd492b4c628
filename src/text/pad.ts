/** Which end of a sequence padding (or a cut) goes to. */
export type Side = 'left' | 'right';

/**
 * B sequences padded to a common length T, as flat row-major [B, T] arrays. Plain typed
 * arrays, not tensors: the text layer stays free of the tensor engine, and the training layer wraps
 * these arrays as they are (src/train/batch-tensors.ts).
 */
export interface PaddedBatch {
  /** [B, T] token ids, `padId` after each sequence's end (before its start when padded on the left). */
  inputIds: Int32Array;
  /** [B, T] 1 for real tokens, 0 for padding. */
  attentionMask: Int32Array;
  /** [B, T] the segment of each token (BERT: 1 for the second text of a pair), 0 after the end. */
  tokenTypeIds: Int32Array;
  /** B, the number of sequences. */
  size: number;
  /** T, the padded length of every row. */
  length: number;
}

/**
 * Pads sequences (each at most `length` long) into [B, length] arrays, on the right unless `side`
 * says left; token types are 0 where `tokenTypes` (one row per sequence, as long as it) gives none.
 */
export function padSequences(
  sequences: readonly ArrayLike<number>[],
  length: number,
  padId: number,
  tokenTypes?: readonly ArrayLike<number>[],
  side: Side = 'right',
): PaddedBatch {
  const batch = sequences.length;
  const ids = new Int32Array(batch * length).fill(padId);
  const mask = new Int32Array(batch * length);
  const types = new Int32Array(batch * length);
  for (let b = 0; b < batch; b++) {
    const sequence = sequences[b];
    if (sequence.length > length) {
      throw new Error(`Sequence ${b} has ${sequence.length} tokens but the batch is padded to ${length}.`);
    }
    const start = b * length + (side === 'left' ? length - sequence.length : 0);
    for (let t = 0; t < sequence.length; t++) {
      ids[start + t] = sequence[t];
      mask[start + t] = 1;
    }
    const typeRow = tokenTypes?.[b];
    if (typeRow) {
      if (typeRow.length !== sequence.length)
        throw new Error(`Sequence ${b} has ${sequence.length} tokens but ${typeRow.length} token types.`);
      for (let t = 0; t < typeRow.length; t++) types[start + t] = typeRow[t];
    }
  }
  return {
    inputIds: ids,
    attentionMask: mask,
    tokenTypeIds: types,
    size: batch,
    length,
  };
}
