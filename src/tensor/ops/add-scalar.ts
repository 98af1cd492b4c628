import { record } from '../autograd.js';
import { Tensor } from '../tensor.js';
import { accumulateGrad } from './accumulate.js';

/** a + s for a plain number s. */
export function addScalar(a: Tensor, s: number): Tensor {
  const y = Tensor.zeros(a.shape);
  const out = y.data;
  const x = a.data;
  for (let i = 0; i < out.length; i++) out[i] = x[i] + s;
  return record(y, 'addScalar', [a], (dy) => accumulateGrad(a, dy, true));
}
