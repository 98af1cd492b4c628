import type { Tensor } from '../tensor/tensor.js';

/**
 * The L2 norm of all gradients taken together (parameters without a gradient count as zero),
 * summed in double precision. NaN or Infinity when any gradient value is.
 */
export function gradNorm(params: Iterable<Tensor>): number {
  let sum = 0;
  for (const p of params) {
    const g = p.grad;
    if (!g) continue;
    for (let i = 0; i < g.length; i++) sum += g[i] * g[i];
  }
  return Math.sqrt(sum);
}

/**
 * torch.nn.utils.clip_grad_norm_: scales every gradient by maxNorm / (norm + 1e-6) when that is below 1.
 * Returns the norm before clipping. A non-finite norm (NaN/Inf in a gradient) leaves the gradients
 * untouched; check the result with `Number.isFinite` (the trainer stops the run on it).
 */
export function clipGradNorm(params: Iterable<Tensor>, maxNorm: number): number {
  const list = [...params];
  const norm = gradNorm(list);
  if (!Number.isFinite(norm)) return norm;
  const coef = maxNorm / (norm + 1e-6);
  if (coef < 1) {
    for (const p of list) {
      const g = p.grad;
      if (!g) continue;
      for (let i = 0; i < g.length; i++) g[i] *= coef;
    }
  }
  return norm;
}
