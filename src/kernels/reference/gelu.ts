import { erf } from './erf.js';

const INV_SQRT2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

export function geluReference(x: Float32Array, y: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) {
    const v = x[i];
    y[i] = 0.5 * v * (1 + erf(v * INV_SQRT2));
  }
}

/** gelu'(x) = Φ(x) + x·φ(x). */
export function geluBackwardReference(
  x: Float32Array,
  dy: Float32Array,
  dx: Float32Array,
  n: number,
  accumulate = true,
): void {
  for (let i = 0; i < n; i++) {
    const v = x[i];
    const cdf = 0.5 * (1 + erf(v * INV_SQRT2));
    const pdf = INV_SQRT_2PI * Math.exp(-0.5 * v * v);
    const d = dy[i] * (cdf + v * pdf);
    dx[i] = accumulate ? dx[i] + d : d;
  }
}
