import { kernels } from '../../kernels/active.js';
import type { Tensor } from '../tensor.js';

export interface AdamWMoments {
  m: Float32Array;
  v: Float32Array;
}

/** Zeroed moment buffers for `size` values, placed where the active kernels update them in place. */
export function adamwMoments(size: number, from?: AdamWMoments): AdamWMoments {
  const k = kernels();
  const m = k.allocState(size);
  const v = k.allocState(size);
  if (from) {
    m.set(from.m);
    v.set(from.v);
  }
  return { m, v };
}

/**
 * One fused AdamW update of a parameter in place from its gradient (torch.optim.AdamW's order:
 * decoupled decay, moments, bias-corrected step). Not part of the graph: optimizers call it.
 */
export function adamwUpdate(
  param: Tensor,
  grad: Float32Array,
  moments: AdamWMoments,
  h: { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number; step: number },
): void {
  kernels().adamw({ n: param.size, param: param.data, grad, m: moments.m, v: moments.v, ...h });
}
