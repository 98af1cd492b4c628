import { UserError } from '../../errors.js';
import { record } from '../autograd.js';
import { IntTensor, Tensor, shapeToString } from '../tensor.js';
import { assertRank } from './shape.js';

/**
 * The mean over the real tokens of each row: x [B, T, H] and mask [B, T] (1 = token, 0 = padding) →
 * Σ_t mask·x / Σ_t mask, [B, H], as HF's mean pooling computes it. dx = mask·dy / count.
 */
export function maskedMean(x: Tensor, mask: IntTensor): Tensor {
  const op = 'maskedMean';
  assertRank(op, 'an input', x.shape, 3);
  const [batch, length, hidden] = x.shape;
  if (mask.shape.length !== 2 || mask.shape[0] !== batch || mask.shape[1] !== length) {
    throw new UserError(
      `${op} expects a mask of shape [${batch}, ${length}], but got ${shapeToString(mask.shape)}.`,
    );
  }
  const counts = new Float64Array(batch);
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < length; t++) {
      const m = mask.data[b * length + t];
      if (m !== 0 && m !== 1) {
        throw new UserError(`${op} expects a mask of zeros and ones, but found ${m} in row ${b}.`);
      }
      counts[b] += m;
    }
    if (counts[b] === 0) {
      throw new UserError(`${op} cannot average row ${b}: its attention mask has no real token.`);
    }
  }
  const y = Tensor.empty([batch, hidden]);
  const sums = new Float64Array(hidden);
  for (let b = 0; b < batch; b++) {
    sums.fill(0);
    for (let t = 0; t < length; t++) {
      if (mask.data[b * length + t] === 0) continue;
      const o = (b * length + t) * hidden;
      for (let h = 0; h < hidden; h++) sums[h] += x.data[o + h];
    }
    // Rounded to float32 before the division, as torch sums and then divides.
    for (let h = 0; h < hidden; h++) y.data[b * hidden + h] = Math.fround(sums[h]) / counts[b];
  }
  return record(y, op, [x], (dy) => {
    const g = x.gradBuffer();
    for (let b = 0; b < batch; b++) {
      for (let t = 0; t < length; t++) {
        if (mask.data[b * length + t] === 0) continue;
        const o = (b * length + t) * hidden;
        for (let h = 0; h < hidden; h++) g[o + h] += dy[b * hidden + h] / counts[b];
      }
    }
  });
}
