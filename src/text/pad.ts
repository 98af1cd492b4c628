import { IntTensor } from '../tensor/tensor.js';

export interface PaddedBatch {
  /** [B, T] token ids, `padId` after each sequence's end. */
  inputIds: IntTensor;
  /** [B, T] 1 for real tokens, 0 for padding. */
  attentionMask: IntTensor;
  /** [B, T] all 0: one segment per text. */
  tokenTypeIds: IntTensor;
}

/** Right-pads sequences (each at most `length` long) into [B, length] tensors. */
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
    inputIds: new IntTensor(ids, [batch, length]),
    attentionMask: new IntTensor(mask, [batch, length]),
    tokenTypeIds: new IntTensor(new Int32Array(batch * length), [batch, length]),
  };
}
