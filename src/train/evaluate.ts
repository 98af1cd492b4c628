import type { Module } from '../nn/module.js';
import { noGrad } from '../tensor/autograd.js';
import { tensorScope } from '../tensor/scope.js';
import { sigmoid } from '../tensor/ops/bce-with-logits.js';
import { Tensor, type IntTensor } from '../tensor/tensor.js';
import { batchLoss } from './batch-loss.js';
import { sliceBatch } from './batch-tensors.js';
import { InferencePieces } from './inference-pieces.js';
import { argmaxRows, computeMetrics } from './metrics.js';
import { computeMultiLabelMetrics, DEFAULT_THRESHOLD } from './multi-label-metrics.js';
import type { Metrics } from './results.js';

/**
 * One batch as the model takes it: ids, mask and token types [B, T], labels [B], and for multi-label
 * examples their 0/1 targets [B, C]. batchTensors (src/train/batch-tensors.ts) makes one from the
 * data layer's `Batch` of plain arrays.
 */
export interface TrainBatch {
  inputIds: IntTensor;
  attentionMask: IntTensor;
  tokenTypeIds: IntTensor;
  labels: IntTensor;
  /** Present for multi-label examples: the loss is then binary cross-entropy against these. */
  targets?: Tensor;
  size: number;
}

/** What training needs of a model: HF's sequence-classification forward, over a Module's parameter tree. */
export type ClassifierModel = Module & {
  forward(inputIds: IntTensor, attentionMask: IntTensor, tokenTypeIds?: IntTensor): Tensor;
};

/**
 * Turns consecutive examples (in the order given) into one padded batch. `lengthOf`, when given, is
 * an example's length in tokens; evaluation then batches examples of like length.
 */
export type Collate<E> = ((examples: readonly E[]) => TrainBatch) & {
  readonly lengthOf?: (example: E) => number;
};

export interface EvaluateOptions<E> {
  batchSize: number;
  collate: Collate<E>;
  /** Class names, index = label id. */
  labels: readonly string[];
  /** Called after each batch with the examples done so far. */
  onProgress?: (done: number, total: number) => void;
  /** Multi-label only: a label is predicted when its sigmoid probability reaches this (default 0.5). */
  threshold?: number;
  /**
   * Splits batches the kernels' memory cannot hold, remembering the size that fitted; pass the same
   * one to every evaluation of a run (default: a fresh one for this call, which says nothing).
   */
  pieces?: InferencePieces;
}

/**
 * Metrics of `model` on `examples` in eval mode (no dropout) without recording a graph, a batch the
 * kernels' memory cannot hold run in smaller pieces (InferencePieces, the same logits); `loss` is the
 * mean loss per example (cross-entropy, or for multi-label examples binary cross-entropy, whose
 * metrics are computeMultiLabelMetrics' at `threshold`). The model's train/eval mode is restored afterwards.
 */
export function evaluate<E>(
  model: ClassifierModel,
  examples: readonly E[],
  options: EvaluateOptions<E>,
): Metrics {
  const { batchSize, collate, labels } = options;
  const threshold = options.threshold ?? DEFAULT_THRESHOLD;
  const wasTraining = model.training;
  model.eval();
  const yTrue = new Int32Array(examples.length);
  const yPred = new Int32Array(examples.length);
  // Multi-label: the 0/1 truth and decisions, [examples, labels] flat; allocated on the first such batch.
  const sets = { truth: null as Uint8Array | null, predicted: null as Uint8Array | null };
  const pieces = options.pieces ?? new InferencePieces();
  let lossSum = 0;
  let done = 0;
  const order = longestFirst(examples, collate.lengthOf);
  try {
    noGrad(() => {
      for (let start = 0; start < examples.length; start += batchSize) {
        const rows = order.subarray(start, start + batchSize);
        const batch = collate(Array.from(rows, (i) => examples[i]));
        const { data, width: k } = pieces.logits(batch.size, (from, to) => {
          const rows = from === 0 && to === batch.size ? batch : sliceBatch(batch, from, to);
          return model.forward(rows.inputIds, rows.attentionMask, rows.tokenTypeIds);
        });
        tensorScope(() => {
          const loss = batchLoss(new Tensor(data, [batch.size, k]), batch);
          lossSum += loss.data[0] * batch.size;
        });
        if (batch.targets === undefined) {
          const predictions = argmaxRows(data, batch.size, k);
          rows.forEach((row, j) => (yPred[row] = predictions[j]));
        } else {
          const truth = (sets.truth ??= new Uint8Array(examples.length * k));
          const predicted = (sets.predicted ??= new Uint8Array(examples.length * k));
          rows.forEach((row, j) => {
            for (let c = 0; c < k; c++) {
              truth[row * k + c] = batch.targets!.data[j * k + c] >= 0.5 ? 1 : 0;
              predicted[row * k + c] = sigmoid(data[j * k + c]) >= threshold ? 1 : 0;
            }
          });
        }
        rows.forEach((row, j) => (yTrue[row] = batch.labels.data[j]));
        done += batch.size;
        options.onProgress?.(done, examples.length);
      }
    });
  } finally {
    model.train(wasTraining);
  }
  const meanLoss = examples.length === 0 ? 0 : lossSum / examples.length;
  if (sets.truth !== null && sets.predicted !== null) {
    return computeMultiLabelMetrics(sets.truth, sets.predicted, labels, threshold, meanLoss);
  }
  return computeMetrics(yTrue, yPred, labels, meanLoss);
}

/**
 * The order evaluation runs examples in: longest first when their lengths are known, so a batch pads
 * to little more than its own rows (a row's logits do not depend on the padding: masked keys weigh
 * exactly 0), and the longest batch comes first, where InferencePieces learns what fits; else as given.
 */
function longestFirst<E>(examples: readonly E[], lengthOf?: (example: E) => number): Int32Array {
  const order = Int32Array.from(examples, (_, i) => i);
  if (!lengthOf) return order;
  const lengths = Int32Array.from(examples, lengthOf);
  // Ties keep their order (Array.prototype.sort is stable; typed-array sort need not be).
  return Int32Array.from([...order].sort((a, b) => lengths[b] - lengths[a]));
}
