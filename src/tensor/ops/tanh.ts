import { record } from '../autograd.js';
import { Tensor } from '../tensor.js';

/** tanh, used once per batch by BERT's pooler: light enough for a plain loop. */
export function tanh(x: Tensor): Tensor {
  const y = Tensor.zeros(x.shape);
  const out = y.data;
  const src = x.data;
  for (let i = 0; i < out.length; i++) out[i] = Math.tanh(src[i]);
  return record(y, 'tanh', [x], (dy) => {
    // tanh' = 1 − tanh², read from the saved output.
    const g = x.gradBuffer();
    for (let i = 0; i < g.length; i++) g[i] += dy[i] * (1 - out[i] * out[i]);
  });
}
