import { UserError } from '../../errors.js';
import { record } from '../autograd.js';
import { Tensor, shapeToString } from '../tensor.js';
import { assertMinRank } from './shape.js';

/**
 * x[..., start : start + length] as a new contiguous tensor, e.g. the query, key or value third of a
 * fused projection. The backward adds the gradient into those columns of x's gradient.
 */
export function sliceLastAxis(x: Tensor, start: number, length: number): Tensor {
  assertMinRank('sliceLastAxis', 'an input', x.shape, 1);
  const cols = x.shape[x.rank - 1];
  if (
    !Number.isInteger(start) ||
    !Number.isInteger(length) ||
    start < 0 ||
    length < 0 ||
    start + length > cols
  ) {
    throw new UserError(
      `sliceLastAxis cannot take columns ${start} to ${start + length} of a tensor of shape ${shapeToString(x.shape)}.`,
    );
  }
  const rows = cols === 0 ? 0 : x.size / cols;
  const y = Tensor.empty([...x.shape.slice(0, -1), length]);
  const src = x.data;
  for (let r = 0; r < rows; r++) {
    const from = r * cols + start;
    y.data.set(src.subarray(from, from + length), r * length);
  }
  return record(y, 'sliceLastAxis', [x], (dy) => {
    const g = x.gradBuffer();
    for (let r = 0; r < rows; r++) {
      const to = r * cols + start;
      const from = r * length;
      for (let j = 0; j < length; j++) g[to + j] += dy[from + j];
    }
  });
}
