import { record } from '../autograd.js';
import { Tensor } from '../tensor.js';

/** The sum of every element, as a scalar (shape []); accumulated in double precision. */
export function sum(x: Tensor): Tensor {
  let s = 0;
  for (let i = 0; i < x.size; i++) s += x.data[i];
  const y = Tensor.from([s], []);
  return record(y, 'sum', [x], (dy) => {
    const g = x.gradBuffer();
    const d = dy[0];
    for (let i = 0; i < g.length; i++) g[i] += d;
  });
}
