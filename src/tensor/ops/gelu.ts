import { kernels } from '../../kernels/active.js';
import { record } from '../autograd.js';
import { Tensor } from '../tensor.js';

/** GELU in the exact erf form (HF's "gelu"), not the tanh approximation. */
export function gelu(x: Tensor): Tensor {
  const y = Tensor.zeros(x.shape);
  kernels().gelu(x.data, y.data, x.size);
  return record(y, 'gelu', [x], (dy) => {
    kernels().geluBackward(x.data, dy, x.gradBuffer(), x.size);
  });
}
