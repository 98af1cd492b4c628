import { gemmLayout, matrixOffset } from '../gemm-layout.js';
import type { GemmSpec } from '../kernels.js';

/** Plain triple loop in double precision accumulation: slow, obviously correct. */
export function gemmReference(s: GemmSpec): void {
  const { m, n, k } = s;
  if (s.bias && (s.biasOffset ?? 0) + n > s.bias.length) {
    throw new RangeError(`A GEMM bias needs ${n} values but its array has ${s.bias.length}.`);
  }
  const { lda, ldb, ldc, group, aGroupStride, bGroupStride, cGroupStride } = gemmLayout(s);
  for (let bi = 0; bi < s.batch; bi++) {
    const aBase = matrixOffset(s.aOffset, s.aStride, aGroupStride, group, bi);
    const bBase = matrixOffset(s.bOffset, s.bStride, bGroupStride, group, bi);
    const cBase = matrixOffset(s.cOffset, s.cStride, cGroupStride, group, bi);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let p = 0; p < k; p++) {
          const av = s.transA ? s.a[aBase + p * lda + i] : s.a[aBase + i * lda + p];
          const bv = s.transB ? s.b[bBase + j * ldb + p] : s.b[bBase + p * ldb + j];
          sum += av * bv;
        }
        const ci = cBase + i * ldc + j;
        let v = s.alpha * sum;
        if (s.bias) v += s.bias[(s.biasOffset ?? 0) + j];
        s.c[ci] = s.beta === 0 ? v : v + s.beta * s.c[ci];
      }
    }
  }
}
