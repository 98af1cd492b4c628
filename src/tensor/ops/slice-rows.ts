import { UserError } from '../../errors.js';
import { record } from '../autograd.js';
import { Tensor, shapeToString } from '../tensor.js';
import { assertMinRank } from './shape.js';

/**
 * x[start : start + count] along the first axis, as a new contiguous tensor: the rows of one adapter in
 * a batch that mixes adapters. The backward adds the gradient into those rows of x's gradient.
 */
export function sliceRows(x: Tensor, start: number, count: number): Tensor {
  assertMinRank('sliceRows', 'an input', x.shape, 1);
  const rows = x.shape[0];
  if (
    !Number.isInteger(start) ||
    !Number.isInteger(count) ||
    start < 0 ||
    count < 0 ||
    start + count > rows
  ) {
    throw new UserError(
      `sliceRows cannot take rows ${start} to ${start + count} of a tensor of shape ${shapeToString(x.shape)}.`,
    );
  }
  const inner = rows === 0 ? 0 : x.size / rows;
  const y = Tensor.empty([count, ...x.shape.slice(1)]);
  y.data.set(x.data.subarray(start * inner, (start + count) * inner));
  return record(y, 'sliceRows', [x], (dy) => {
    const g = x.gradBuffer();
    const offset = start * inner;
    for (let i = 0; i < count * inner; i++) g[offset + i] += dy[i];
  });
}
