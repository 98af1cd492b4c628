import { UserError } from '../../errors.js';
import { crossEntropy } from '../../tensor/ops/cross-entropy.js';
import type { IntTensor, Tensor } from '../../tensor/tensor.js';

/**
 * Mean cross-entropy of logits [B, numLabels] against label ids [B], as transformers'
 * single_label_classification; −100 (PyTorch's ignore_index) is skipped, any other id outside the
 * labels is refused in one sentence.
 */
export function classificationLoss(logits: Tensor, labels: IntTensor, numLabels: number): Tensor {
  for (let i = 0; i < labels.data.length; i++) {
    const label = labels.data[i];
    if (label !== -100 && (label < 0 || label >= numLabels)) {
      throw new UserError(`Label id ${label} is outside the model's ${numLabels} labels.`);
    }
  }
  return crossEntropy(logits, labels);
}
