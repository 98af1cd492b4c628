import { kernels } from '../../kernels/active.js';
import { KernelMemoryExhausted } from '../../kernels/memory-exhausted.js';
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

/** Below this many values an update that does not fit is not halved again: nothing smaller would. */
const MIN_HALVED = 4096;

/**
 * One fused AdamW update of a parameter in place from its gradient (torch.optim.AdamW's order:
 * decoupled decay, moments, bias-corrected step). Not part of the graph: optimizers call it.
 * When the kernels' memory cannot hold the call's working copies of the weights and gradient
 * (KernelMemoryExhausted, thrown before anything was written), the values are updated in halves: each
 * value's update reads only its own weight, gradient and moments, so the halves give the same bits.
 */
export function adamwUpdate(
  param: Tensor,
  grad: Float32Array,
  moments: AdamWMoments,
  h: { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number; step: number },
): void {
  updateValues(param.data, grad, moments.m, moments.v, h);
}

function updateValues(
  param: Float32Array,
  grad: Float32Array,
  m: Float32Array,
  v: Float32Array,
  h: { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number; step: number },
): void {
  try {
    kernels().adamw({ n: param.length, param, grad, m, v, ...h });
  } catch (error) {
    if (!(error instanceof KernelMemoryExhausted) || param.length < 2 * MIN_HALVED) throw error;
    // A multiple of 4, so the halves keep the kernel's 4-value SIMD groups aligned.
    const half = Math.floor(param.length / 8) * 4;
    const part = (a: Float32Array, first: boolean) => (first ? a.subarray(0, half) : a.subarray(half));
    for (const first of [true, false]) {
      updateValues(part(param, first), part(grad, first), part(m, first), part(v, first), h);
    }
  }
}
