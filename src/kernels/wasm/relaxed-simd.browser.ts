import { relaxedSimdValidates } from './relaxed-simd-probe.js';

// The browser build's twin of relaxed-simd.ts: a browser either has relaxed SIMD (Chromium since 114,
// Firefox behind a setting) or has not; there is no flag to set from a page.

/** Whether relaxed SIMD can be used: whether this browser validates it. */
export function enableRelaxedSimd(): boolean {
  return relaxedSimdValidates();
}

/** In a browser the fused multiply-add kernels wherever they validate: faster, and no study to keep. */
export function fmaByDefault(): boolean {
  return relaxedSimdValidates();
}
