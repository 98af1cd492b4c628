import { record } from '../autograd.js';
import { Tensor } from '../tensor.js';

/** max(x, 0), used once per batch by DistilBERT's pre-classifier: light enough for a plain loop. */
export function relu(x: Tensor): Tensor {
  const y = Tensor.zeros(x.shape);
  const out = y.data;
  const src = x.data;
  for (let i = 0; i < out.length; i++) out[i] = src[i] > 0 ? src[i] : 0;
  return record(y, 'relu', [x], (dy) => {
    // The gradient passes where the input was positive; at 0 it is 0, as torch's.
    const g = x.gradBuffer();
    for (let i = 0; i < g.length; i++) if (src[i] > 0) g[i] += dy[i];
  });
}
