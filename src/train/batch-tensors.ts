import type { Batch } from '../data/batch.js';
import { IntTensor, Tensor } from '../tensor/tensor.js';
import type { PaddedBatch } from '../text/pad.js';
import type { TrainBatch } from './evaluate.js';

/** The model's three inputs, [B, T] each. */
export interface InputTensors {
  inputIds: IntTensor;
  attentionMask: IntTensor;
  tokenTypeIds: IntTensor;
}

/**
 * A padded batch's arrays as [B, T] tensors for `model.forward`. The tensors share the batch's
 * arrays (no copy: this runs once per step), so the batch must not be changed while they are used.
 */
export function inputTensors(padded: PaddedBatch): InputTensors {
  const shape = [padded.size, padded.length];
  return {
    inputIds: new IntTensor(padded.inputIds, shape),
    attentionMask: new IntTensor(padded.attentionMask, shape),
    tokenTypeIds: new IntTensor(padded.tokenTypeIds, shape),
  };
}

/**
 * A labelled batch as the trainer's tensors: inputs [B, T], labels [B] and, for multi-label examples,
 * targets [B, C], sharing its arrays.
 */
export function batchTensors(batch: Batch): TrainBatch {
  const tensors: TrainBatch = {
    ...inputTensors(batch),
    labels: new IntTensor(batch.labels, [batch.size]),
    size: batch.size,
  };
  if (batch.targets !== undefined) {
    tensors.targets = new Tensor(batch.targets, [batch.size, batch.targets.length / Math.max(1, batch.size)]);
  }
  return tensors;
}
