import { UserError } from '../../errors.js';
import { record } from '../autograd.js';
import { Tensor } from '../tensor.js';
import type { Rng } from '../random.js';

/**
 * Inverted dropout: in training each element is zeroed with probability p (drawn from `rng`, one
 * uniform per element in row-major order) and survivors are scaled by 1/(1−p), so evaluation needs
 * no rescaling. Returns `x` itself when not training or when p = 0.
 */
export function dropout(x: Tensor, p: number, rng: Rng, training: boolean): Tensor {
  if (!(p >= 0 && p <= 1))
    throw new UserError(`dropout expects a probability between 0 and 1, but got ${p}.`);
  if (!training || p === 0) return x;
  const n = x.size;
  const keep = drawKeepMask(n, p, rng);
  // p = 1 drops everything (PyTorch returns zeros); no element is kept, so the scale is never used.
  const s = p === 1 ? 0 : 1 / (1 - p);
  const y = Tensor.zeros(x.shape);
  const src = x.data;
  const out = y.data;
  for (let i = 0; i < n; i++) if (keep[i]) out[i] = src[i] * s;
  return record(y, 'dropout', [x], (dy) => {
    const g = x.gradBuffer();
    for (let i = 0; i < n; i++) if (keep[i]) g[i] += dy[i] * s;
  });
}

/** Draws a keep mask for `n` elements as dropout does (used by fused attention dropout). */
export function drawKeepMask(n: number, p: number, rng: Rng): Uint8Array {
  const keep = new Uint8Array(n);
  for (let i = 0; i < n; i++) if (rng.uniform() >= p) keep[i] = 1;
  return keep;
}
