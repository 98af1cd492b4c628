import { record } from '../autograd.js';
import { Tensor } from '../tensor.js';

/** a · s for a plain number s. */
export function scale(a: Tensor, s: number): Tensor {
  const y = Tensor.zeros(a.shape);
  const out = y.data;
  const x = a.data;
  for (let i = 0; i < out.length; i++) out[i] = x[i] * s;
  return record(y, 'scale', [a], (dy) => {
    const g = a.gradBuffer();
    for (let i = 0; i < g.length; i++) g[i] += s * dy[i];
  });
}
