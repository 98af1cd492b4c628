import { UserError } from '../../errors.js';
import { IntTensor, Tensor, shapeToString } from '../tensor.js';

/** torch.finfo(torch.float32).min, HF's value for masked positions. */
export const MASKED_BIAS = -3.4028234663852886e38;

/**
 * HF's extended attention mask: an additive bias [B, T] that is 0 where `mask` is 1 (a real token)
 * and float32's lowest value where it is 0 (padding), so softmax gives padding no weight. A constant:
 * it never requires a gradient.
 */
export function attentionBias(mask: IntTensor): Tensor {
  if (mask.shape.length !== 2) {
    throw new UserError(
      `attentionBias expects a mask of shape [batch, length], but got ${shapeToString(mask.shape)}.`,
    );
  }
  const out = Tensor.zeros(mask.shape);
  for (let i = 0; i < mask.size; i++) {
    const m = mask.data[i];
    if (m !== 0 && m !== 1) {
      throw new UserError(
        `attentionBias expects an attention mask of zeros and ones, but found ${m} at position ${i}.`,
      );
    }
    out.data[i] = m === 1 ? 0 : MASKED_BIAS;
  }
  return out;
}
