import type { GemmSpec } from '../kernels.js';

/** Plain triple loop in double precision accumulation: slow, obviously correct. */
export function gemmReference(s: GemmSpec): void {
  const { m, n, k } = s;
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
        s.c[ci] = s.beta === 0 ? s.alpha * sum : s.alpha * sum + s.beta * s.c[ci];
      }
    }
  }
}
