import type { Module } from '../nn/module.js';
import { noGrad } from '../tensor/autograd.js';
import { tensorScope } from '../tensor/scope.js';
import { crossEntropy } from '../tensor/ops/cross-entropy.js';
import type { IntTensor, Tensor } from '../tensor/tensor.js';
import { argmaxRows, computeMetrics } from './metrics.js';
import type { Metrics } from './results.js';

/**
 * One batch as the model takes it: ids, mask and token types [B, T], labels [B]. batchTensors
 * (src/train/batch-tensors.ts) makes one from the data layer's `Batch` of plain arrays.
 */
export interface TrainBatch {
  inputIds: IntTensor;
  attentionMask: IntTensor;
  tokenTypeIds: IntTensor;
  labels: IntTensor;
  size: number;
}

/** What training needs of a model: HF's sequence-classification forward, over a Module's parameter tree. */
export type ClassifierModel = Module & {
  forward(inputIds: IntTensor, attentionMask: IntTensor, tokenTypeIds?: IntTensor): Tensor;
};

/** Turns consecutive examples (in the order given) into one padded batch. */
export type Collate<E> = (examples: readonly E[]) => TrainBatch;

export interface EvaluateOptions<E> {
  batchSize: number;
  collate: Collate<E>;
  /** Class names, index = label id. */
  labels: readonly string[];
  /** Called after each batch with the examples done so far. */
  onProgress?: (done: number, total: number) => void;
}

/**
 * Metrics of `model` on `examples` in eval mode (no dropout) without recording a graph; `loss` is the
 * mean cross-entropy per example. The model's train/eval mode is restored afterwards.
 */
export function evaluate<E>(
  model: ClassifierModel,
  examples: readonly E[],
  options: EvaluateOptions<E>,
): Metrics {
  const { batchSize, collate, labels } = options;
  const wasTraining = model.training;
  model.eval();
  const yTrue = new Int32Array(examples.length);
  const yPred = new Int32Array(examples.length);
  let lossSum = 0;
  let done = 0;
  try {
    noGrad(() => {
      for (let start = 0; start < examples.length; start += batchSize) {
        const batch = collate(examples.slice(start, start + batchSize));
        tensorScope(() => {
          const logits = model.forward(batch.inputIds, batch.attentionMask, batch.tokenTypeIds);
          const loss = crossEntropy(logits, batch.labels);
          lossSum += loss.data[0] * batch.size;
          yPred.set(argmaxRows(logits.data, batch.size, logits.shape[1]), done);
        });
        yTrue.set(batch.labels.data, done);
        done += batch.size;
        options.onProgress?.(done, examples.length);
      }
    });
  } finally {
    model.train(wasTraining);
  }
  return computeMetrics(yTrue, yPred, labels, examples.length === 0 ? 0 : lossSum / examples.length);
}
