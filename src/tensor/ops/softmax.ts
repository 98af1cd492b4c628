import { kernels } from '../../kernels/active.js';
import { record } from '../autograd.js';
import { Tensor } from '../tensor.js';
import { assertMinRank } from './shape.js';

/** Softmax over the last axis. The backward reads the saved output, not the input. */
export function softmax(x: Tensor): Tensor {
  assertMinRank('softmax', 'an input', x.shape, 1);
  const cols = x.shape[x.rank - 1];
  const rows = cols === 0 ? 0 : x.size / cols;
  const y = Tensor.empty(x.shape);
  kernels().softmax({ rows, cols, x: x.data, y: y.data });
  return record(y, 'softmax', [x], (dy) => {
    const fresh = x.grad === null;
    kernels().softmaxBackward(y.data, dy, x.gradToWrite(), rows, cols, !fresh);
  });
}
