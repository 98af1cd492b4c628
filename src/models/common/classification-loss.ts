import { UserError } from '../../errors.js';
import { bceWithLogits } from '../../tensor/ops/bce-with-logits.js';
import { crossEntropy } from '../../tensor/ops/cross-entropy.js';
import { IntTensor, type Tensor } from '../../tensor/tensor.js';
import type { ClassifierConfig } from '../family.js';
import { isMultiLabel } from './problem-type.js';

/**
 * The loss transformers' …ForSequenceClassification computes for the config's problem_type, so that
 * every family has the same: single_label_classification is mean cross-entropy of logits
 * [B, numLabels] against label ids [B] (−100, PyTorch's ignore_index, skipped; any other id outside
 * the labels refused in one sentence); multi_label_classification is mean binary cross-entropy with
 * one sigmoid per label against float targets [B, numLabels] (1 where the text has the label).
 */
export function classificationLoss(
  logits: Tensor,
  labels: IntTensor | Tensor,
  config: Pick<ClassifierConfig, 'numLabels' | 'problemType'>,
): Tensor {
  const numLabels = config.numLabels;
  if (isMultiLabel(config.problemType)) {
    if (labels instanceof IntTensor) {
      throw new UserError(
        `A multi-label classifier's labels are 0/1 targets of shape [batch, ${numLabels}], not class ids.`,
      );
    }
    return bceWithLogits(logits, labels);
  }
  if (!(labels instanceof IntTensor)) {
    throw new UserError('A single-label classifier takes class ids as its labels, not float targets.');
  }
  for (let i = 0; i < labels.data.length; i++) {
    const label = labels.data[i];
    if (label !== -100 && (label < 0 || label >= numLabels)) {
      throw new UserError(`Label id ${label} is outside the model's ${numLabels} labels.`);
    }
  }
  return crossEntropy(logits, labels);
}
