// The GEMM inner kernel: a 4×8 tile of C kept in eight f32x4 registers while k runs.
//
// Why 4×8: V8 on x64 hands out 15 of the 16 XMM registers (one is its scratch), and its scheduler
// issues all of a step's loads first, so a step holds its accumulators, both B vectors and every
// row's broadcast A value at once. 4×8 needs 8 + 2 + 4 + 1 product temporary = 15 and measured at
// the machine's no-FMA peak (two mul and two add pipes: 16 flops per cycle); 5×8 and 6×8 spill
// accumulators to the stack every step and ran at 2/3 of that, and unrolling k spills the same way.
// In the plain build each step is a mul then an add; the relaxed build fuses them (madd.ts), which
// frees the product temporary but not enough for a taller tile: with fused multiply-add, 6×8 (12 + 2 +
// 6 = 20 registers) and 5×8 (17) still spilled and ran at 22 and 18 GFLOP/s per thread against 36 for
// 4×8 (4096×768×3072, B transposed, by CPU time, 2026-12-03), so both builds keep 4×8.

import { Fma } from './madd';

export const MR: i32 = 4;
export const NR: i32 = 8;

/**
 * C[0..4, 0..8] = alpha · Σ_p A[r, p] · B[p, :] (+ bias[0..8] when bias ≠ 0) + beta · C (beta 0 never
 * reads C, so NaN there is ignored).
 * A[r, p] lives at a + r·rs + p·cs (bytes), which serves both a packed panel (rs 4, cs 16) and rows of
 * an untransposed A read in place (rs = row pitch, cs 4). B is a packed panel: 8 floats per k step.
 */
export function kernel4x8(
  a: usize,
  rs: usize,
  cs: usize,
  b: usize,
  c: usize,
  ldc: usize,
  kc: i32,
  alpha: f32,
  beta: f32,
  bias: usize,
): void {
  let c00 = f32x4.splat(0);
  let c01 = c00;
  let c10 = c00;
  let c11 = c00;
  let c20 = c00;
  let c21 = c00;
  let c30 = c00;
  let c31 = c00;
  let a0 = a;
  let a1 = a + rs;
  let a2 = a1 + rs;
  let a3 = a2 + rs;
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    let av = v128.load32_splat(a0);
    c00 = Fma.madd(av, b0, c00);
    c01 = Fma.madd(av, b1, c01);
    av = v128.load32_splat(a1);
    c10 = Fma.madd(av, b0, c10);
    c11 = Fma.madd(av, b1, c11);
    av = v128.load32_splat(a2);
    c20 = Fma.madd(av, b0, c20);
    c21 = Fma.madd(av, b1, c21);
    av = v128.load32_splat(a3);
    c30 = Fma.madd(av, b0, c30);
    c31 = Fma.madd(av, b1, c31);
    a0 += cs;
    a1 += cs;
    a2 += cs;
    a3 += cs;
    b += 32;
  }
  const va = f32x4.splat(alpha);
  c00 = f32x4.mul(c00, va);
  c01 = f32x4.mul(c01, va);
  c10 = f32x4.mul(c10, va);
  c11 = f32x4.mul(c11, va);
  c20 = f32x4.mul(c20, va);
  c21 = f32x4.mul(c21, va);
  c30 = f32x4.mul(c30, va);
  c31 = f32x4.mul(c31, va);
  if (bias != 0) {
    const b0 = v128.load(bias);
    const b1 = v128.load(bias, 16);
    c00 = f32x4.add(c00, b0);
    c01 = f32x4.add(c01, b1);
    c10 = f32x4.add(c10, b0);
    c11 = f32x4.add(c11, b1);
    c20 = f32x4.add(c20, b0);
    c21 = f32x4.add(c21, b1);
    c30 = f32x4.add(c30, b0);
    c31 = f32x4.add(c31, b1);
  }
  if (beta == 0) {
    v128.store(c, c00);
    v128.store(c, c01, 16);
    c += ldc;
    v128.store(c, c10);
    v128.store(c, c11, 16);
    c += ldc;
    v128.store(c, c20);
    v128.store(c, c21, 16);
    c += ldc;
    v128.store(c, c30);
    v128.store(c, c31, 16);
  } else {
    const vb = f32x4.splat(beta);
    updateRow(c, c00, c01, vb);
    c += ldc;
    updateRow(c, c10, c11, vb);
    c += ldc;
    updateRow(c, c20, c21, vb);
    c += ldc;
    updateRow(c, c30, c31, vb);
  }
}

function updateRow(c: usize, lo: v128, hi: v128, vb: v128): void {
  v128.store(c, f32x4.add(lo, f32x4.mul(v128.load(c), vb)));
  v128.store(c, f32x4.add(hi, f32x4.mul(v128.load(c, 16), vb)), 16);
}
