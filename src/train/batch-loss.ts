import { NO_CLASS_ID } from '../data/dataset.js';
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

/**
 * How many terms batchLoss averages over: every target of multi-label examples (B·C), else the rows
 * whose label is not NO_CLASS_ID (crossEntropy's ignore_index). Micro-batches of one batch weight their losses by this, so that their
 * gradients add up to the whole batch's mean loss.
 */
export function lossTerms(batch: Pick<TrainBatch, 'labels' | 'targets'>): number {
  if (batch.targets !== undefined) return batch.targets.size;
  let terms = 0;
  for (const label of batch.labels.data) if (label !== NO_CLASS_ID) terms++;
  return terms;
}
