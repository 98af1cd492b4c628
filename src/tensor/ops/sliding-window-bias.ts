import { UserError } from '../../errors.js';
import { IntTensor, Tensor, shapeToString } from '../tensor.js';
import { MASKED_BIAS } from './attention-bias.js';

/**
 * The additive attention bias of a bidirectional sliding window, per query: [B, T, T] that is 0
 * where key k is a real token (mask 1) within `halfWindow` of query q (|q − k| ≤ halfWindow) and
 * float32's lowest value elsewhere. The window and the padding are combined before the bias is
 * made, so a masked entry holds that value once (added twice it would be −∞, and a row with no key
 * left would turn into NaN instead of the uniform row transformers gives). A constant: no gradient.
 */
export function slidingWindowBias(mask: IntTensor, halfWindow: number): Tensor {
  if (mask.shape.length !== 2) {
    throw new UserError(
      `slidingWindowBias expects a mask of shape [batch, length], but got ${shapeToString(mask.shape)}.`,
    );
  }
  if (!Number.isInteger(halfWindow) || halfWindow < 0) {
    throw new UserError(`slidingWindowBias expects a non-negative whole half-window, but got ${halfWindow}.`);
  }
  const [batch, length] = mask.shape;
  const out = Tensor.empty([batch, length, length]);
  const bias = out.data;
  for (let b = 0; b < batch; b++) {
    const keys = mask.data.subarray(b * length, (b + 1) * length);
    for (let k = 0; k < length; k++) {
      if (keys[k] !== 0 && keys[k] !== 1) {
        throw new UserError(
          `slidingWindowBias expects an attention mask of zeros and ones, but found ${keys[k]} in row ${b}.`,
        );
      }
    }
    for (let q = 0; q < length; q++) {
      const o = (b * length + q) * length;
      for (let k = 0; k < length; k++) {
        bias[o + k] = keys[k] === 1 && Math.abs(q - k) <= halfWindow ? 0 : MASKED_BIAS;
      }
    }
  }
  return out;
}
