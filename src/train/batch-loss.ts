import { bceWithLogits } from '../tensor/ops/bce-with-logits.js';
import { crossEntropy } from '../tensor/ops/cross-entropy.js';
import type { Tensor } from '../tensor/tensor.js';
import type { TrainBatch } from './evaluate.js';

/**
 * The loss of one batch, as transformers' …ForSequenceClassification picks it for its problem_type:
 * binary cross-entropy against the targets of multi-label examples, else cross-entropy against the
 * class ids (exactly the call the single-label trainer has always made).
 */
export function batchLoss(logits: Tensor, batch: Pick<TrainBatch, 'labels' | 'targets'>): Tensor {
  return batch.targets !== undefined
    ? bceWithLogits(logits, batch.targets)
    : crossEntropy(logits, batch.labels);
}
