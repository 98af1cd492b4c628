import type { DropoutSpec } from '../kernels.js';

/**
 * The dropout mask is a pure function of (seed0, seed1, element index): a counter-based generator,
 * so the backward recomputes the mask instead of keeping it, threads can draw any range in any
 * order, and the wasm kernel gives the same bits. Each index goes through two rounds of the
 * "lowbias32" integer hash (Wellons), with the second seed between them.
 */
export function dropoutHash(seed0: number, seed1: number, i: number): number {
  return mix32((mix32((i + seed0) | 0) ^ seed1) | 0);
}

function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** The 24-bit threshold for drop probability p: an element is kept when (hash >>> 8) ≥ it. */
export function dropoutThreshold(p: number): number {
  return Math.min(1 << 24, Math.max(0, Math.ceil(p * 16777216)));
}

export function dropoutReference(s: DropoutSpec): void {
  const { n, x, y, seed0, seed1, threshold, accumulate } = s;
  // The scale in float32, as every backend multiplies by it.
  const scale = Math.fround(s.scale);
  for (let i = 0; i < n; i++) {
    const keep = dropoutHash(seed0, seed1, i) >>> 8 >= threshold;
    const v = keep ? Math.fround(x[i] * scale) : 0;
    if (accumulate) y[i] += v;
    else y[i] = v;
  }
}
