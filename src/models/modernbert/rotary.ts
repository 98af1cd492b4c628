import { Tensor } from '../../tensor/tensor.js';

export interface RotaryTables {
  /** [length, headDim]: row t holds cos(t·θ^(−2i/d)) for i < d/2, repeated for the second half. */
  cos: Tensor;
  sin: Tensor;
}

/** The longest tables made so far per (θ, head size): rows do not depend on the length asked for. */
const cache = new Map<string, { length: number; cos: Float32Array; sin: Float32Array }>();

/**
 * cos and sin of the default rotary embedding for positions 0…length−1, in float32 as transformers
 * computes them: inv_freq = 1 / θ^(2i/d), angles = inv_freq · t, both halves of a head alike.
 * The tensors wrap cached arrays and are fresh on every call, so a tensorScope that releases them
 * leaves the cache intact.
 */
export function rotaryTables(theta: number, headDim: number, length: number): RotaryTables {
  const key = `${theta}/${headDim}`;
  let entry = cache.get(key);
  if (!entry || entry.length < length) {
    entry = { length, ...computeTables(theta, headDim, length) };
    cache.set(key, entry);
  }
  const n = length * headDim;
  return {
    cos: new Tensor(entry.cos.subarray(0, n), [length, headDim]),
    sin: new Tensor(entry.sin.subarray(0, n), [length, headDim]),
  };
}

function computeTables(theta: number, dim: number, length: number): { cos: Float32Array; sin: Float32Array } {
  const f = Math.fround;
  const half = dim / 2;
  const base = f(theta);
  const invFreq = new Float32Array(half);
  for (let i = 0; i < half; i++) invFreq[i] = 1 / f(Math.pow(base, f((2 * i) / dim)));
  const cos = new Float32Array(length * dim);
  const sin = new Float32Array(length * dim);
  for (let t = 0; t < length; t++) {
    for (let i = 0; i < half; i++) {
      const angle = f(invFreq[i] * t);
      const o = t * dim + i;
      cos[o] = cos[o + half] = Math.cos(angle);
      sin[o] = sin[o + half] = Math.sin(angle);
    }
  }
  return { cos, sin };
}
