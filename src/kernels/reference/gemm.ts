import type { GemmSpec } from '../kernels.js';

/** Plain triple loop in double precision accumulation: slow, obviously correct. */
export function gemmReference(s: GemmSpec): void {
  const { m, n, k } = s;
  if (s.bias && (s.biasOffset ?? 0) + n > s.bias.length) {
    throw new RangeError(`A GEMM bias needs ${n} values but its array has ${s.bias.length}.`);
  }
  for (let bi = 0; bi < s.batch; bi++) {
    const aBase = s.aOffset + bi * s.aStride;
    const bBase = s.bOffset + bi * s.bStride;
    const cBase = s.cOffset + bi * s.cStride;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let p = 0; p < k; p++) {
          const av = s.transA ? s.a[aBase + p * m + i] : s.a[aBase + i * k + p];
          const bv = s.transB ? s.b[bBase + j * k + p] : s.b[bBase + p * n + j];
          sum += av * bv;
        }
        const ci = cBase + i * n + j;
        let v = s.alpha * sum;
        if (s.bias) v += s.bias[(s.biasOffset ?? 0) + j];
        s.c[ci] = s.beta === 0 ? v : v + s.beta * s.c[ci];
      }
    }
  }
}
