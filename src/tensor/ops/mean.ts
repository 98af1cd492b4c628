import { UserError } from '../../errors.js';
import { record } from '../autograd.js';
import { Tensor } from '../tensor.js';

/** The mean of every element, as a scalar (shape []); accumulated in double precision. */
export function mean(x: Tensor): Tensor {
  if (x.size === 0) throw new UserError('mean of an empty tensor is undefined.');
  let s = 0;
  for (let i = 0; i < x.size; i++) s += x.data[i];
  const y = Tensor.from([s / x.size], []);
  return record(y, 'mean', [x], (dy) => {
    const g = x.gradBuffer();
    const d = dy[0] / x.size;
    for (let i = 0; i < g.length; i++) g[i] += d;
  });
}
