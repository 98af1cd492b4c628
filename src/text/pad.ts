/**
 * B sequences right-padded to a common length T, as flat row-major [B, T] arrays. Plain typed
 * arrays, not tensors: the text layer stays free of the tensor engine, and the training layer wraps
 * these arrays as they are (src/train/batch-tensors.ts).
 */
export interface PaddedBatch {
  /** [B, T] token ids, `padId` after each sequence's end. */
  inputIds: Int32Array;
  /** [B, T] 1 for real tokens, 0 for padding. */
  attentionMask: Int32Array;
  /** [B, T] all 0: one segment per text. */
  tokenTypeIds: Int32Array;
  /** B, the number of sequences. */
  size: number;
  /** T, the padded length of every row. */
  length: number;
}

/** Right-pads sequences (each at most `length` long) into [B, length] arrays. */
export function padSequences(
  sequences: readonly ArrayLike<number>[],
  length: number,
  padId: number,
): PaddedBatch {
  const batch = sequences.length;
  const ids = new Int32Array(batch * length).fill(padId);
  const mask = new Int32Array(batch * length);
  for (let b = 0; b < batch; b++) {
    const sequence = sequences[b];
    if (sequence.length > length) {
      throw new Error(`Sequence ${b} has ${sequence.length} tokens but the batch is padded to ${length}.`);
    }
    const row = b * length;
    for (let t = 0; t < sequence.length; t++) {
      ids[row + t] = sequence[t];
      mask[row + t] = 1;
    }
  }
  return {
    inputIds: ids,
    attentionMask: mask,
    tokenTypeIds: new Int32Array(batch * length),
    size: batch,
    length,
  };
}
