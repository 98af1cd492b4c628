import { kernels } from '../../kernels/active.js';
import { record } from '../autograd.js';
import { Tensor } from '../tensor.js';

/** GELU in the exact erf form (HF's "gelu"), not the tanh approximation. */
export function gelu(x: Tensor): Tensor {
  const y = Tensor.empty(x.shape);
  kernels().gelu(x.data, y.data, x.size);
  return record(y, 'gelu', [x], (dy) => {
    // A first gradient is written, not added to a zeroed buffer.
    const fresh = x.grad === null;
    kernels().geluBackward(x.data, dy, x.gradToWrite(), x.size, !fresh);
  });
}
