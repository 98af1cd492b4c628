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

/** Rows [start, end) of the model's inputs, as views on their arrays (no copy). */
export function sliceInputs(inputs: InputTensors, start: number, end: number): InputTensors {
  const length = inputs.inputIds.shape[1];
  const rows = (t: IntTensor): IntTensor =>
    new IntTensor(t.data.subarray(start * length, end * length), [end - start, length]);
  return {
    inputIds: rows(inputs.inputIds),
    attentionMask: rows(inputs.attentionMask),
    tokenTypeIds: rows(inputs.tokenTypeIds),
  };
}

/**
 * Rows [start, end) of a batch, as views on its arrays (no copy): a micro-batch of an already padded
 * batch, padded to the batch's length.
 */
export function sliceBatch(batch: TrainBatch, start: number, end: number): TrainBatch {
  const sliced: TrainBatch = {
    ...sliceInputs(batch, start, end),
    labels: new IntTensor(batch.labels.data.subarray(start, end), [end - start]),
    size: end - start,
  };
  if (batch.targets !== undefined) {
    const classes = batch.targets.shape[1];
    sliced.targets = new Tensor(batch.targets.data.subarray(start * classes, end * classes), [
      end - start,
      classes,
    ]);
  }
  return sliced;
}
