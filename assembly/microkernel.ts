// The GEMM inner kernels: a tile of C kept in f32x4 registers while k runs; 4×8 in the plain build,
// 3×12 in the relaxed one (one source, MR and NR compile-time constants).
//
// Why these tiles: V8 on x64 hands out 15 of the 16 XMM registers (one is its scratch), and its
// scheduler issues all of a step's loads first, so a step holds its accumulators, every B vector and
// every row's A value at once. Plain: 4×8 needs 8 + 2 + 4 + 1 product temporary = 15; 5×8 and 6×8
// spill accumulators to the stack every step and ran at 2/3 of its speed, and unrolling k spills the
// same way. Relaxed: the fused multiply-add frees the temporary, but with 4×8's 8 accumulators
// = FMA latency (4) × 2 pipes there is no slack, and a step of 8 FMAs carries 6 loads and 8 other
// instructions (pointer adds, V8's stack check, the loop branch). 3×12 holds 9 accumulators + 3 B + 3
// A = 15 without a spill (checked with `node --print-wasm-code`), issuing 9 FMAs per step on the same
// loop overhead; 6×8 (20 registers), 5×8 (17) and 4×8 unrolled by 2 spilled and ran slower (6×8 and
// 5×8: 22 and 18 GFLOP/s per thread against 36 for 4×8, 4096×768×3072, B transposed, by CPU time).
// A tile change keeps the order of each C element's sum over k, so both builds' results are the
// same bits as before. Measured: README, "WebAssembly with fused multiply-add".

import { Fma } from './madd';

/** Rows and columns of the build's register tile. */
export const MR: i32 = ASC_FEATURE_RELAXED_SIMD ? 3 : 4;
export const NR: i32 = ASC_FEATURE_RELAXED_SIMD ? 12 : 8;

/**
 * Packed A holds each value 4 times in the relaxed build, so its kernel reads it with a v128.load
 * at a constant offset: V8 folds that offset into the load, but not a load32_splat's (it adds an
 * lea per row per step).
 */
export const A_SPLAT: bool = ASC_FEATURE_RELAXED_SIMD;
/** Bytes of packed A per value. */
export const A_BYTES: i32 = A_SPLAT ? 16 : 4;

export class Tile {
  /** The build's kernel: C[0..MR, 0..NR] (see kernel4x8). A class member, for `@inline` (see madd.ts). */
  @inline static kernel(
    a: usize,
    b: usize,
    c: usize,
    ldc: usize,
    kc: i32,
    alpha: f32,
    beta: f32,
    bias: usize,
  ): void {
    if (ASC_FEATURE_RELAXED_SIMD) kernel3x12(a, b, c, ldc, kc, alpha, beta, bias);
    else kernel4x8(a, b, c, ldc, kc, alpha, beta, bias);
  }
}

/**
 * C[0..4, 0..8] = alpha · Σ_p A[r, p] · B[p, :] (+ bias[0..8] when bias ≠ 0) + beta · C (beta 0 never
 * reads C, so NaN there is ignored).
 * A is a packed panel (4 floats per k step, see gemm.ts), B a packed strip (8 floats per k step): both
 * advance by one pointer each and every load has a constant offset, so a step costs no address
 * arithmetic beyond those two adds.
 */
export function kernel4x8(
  a: usize,
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
  const bEnd = b + <usize>kc * 32;
  while (b < bEnd) {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    let av = v128.load32_splat(a);
    c00 = Fma.madd(av, b0, c00);
    c01 = Fma.madd(av, b1, c01);
    av = v128.load32_splat(a, 4);
    c10 = Fma.madd(av, b0, c10);
    c11 = Fma.madd(av, b1, c11);
    av = v128.load32_splat(a, 8);
    c20 = Fma.madd(av, b0, c20);
    c21 = Fma.madd(av, b1, c21);
    av = v128.load32_splat(a, 12);
    c30 = Fma.madd(av, b0, c30);
    c31 = Fma.madd(av, b1, c31);
    a += 16;
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
  updateVec(c, lo, vb);
  updateVec(c + 16, hi, vb);
}

/** C[0..4] = v + beta · C[0..4]. */
function updateVec(c: usize, v: v128, vb: v128): void {
  v128.store(c, f32x4.add(v, f32x4.mul(v128.load(c), vb)));
}

/** The same as kernel4x8 for a 3×12 tile: nine accumulators, three B vectors, three A values per step. */
export function kernel3x12(
  a: usize,
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
  let c02 = c00;
  let c10 = c00;
  let c11 = c00;
  let c12 = c00;
  let c20 = c00;
  let c21 = c00;
  let c22 = c00;
  const bEnd = b + <usize>kc * 48;
  while (b < bEnd) {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    const b2 = v128.load(b, 32);
    let av = A_SPLAT ? v128.load(a) : v128.load32_splat(a);
    c00 = Fma.madd(av, b0, c00);
    c01 = Fma.madd(av, b1, c01);
    c02 = Fma.madd(av, b2, c02);
    av = A_SPLAT ? v128.load(a, 16) : v128.load32_splat(a, 4);
    c10 = Fma.madd(av, b0, c10);
    c11 = Fma.madd(av, b1, c11);
    c12 = Fma.madd(av, b2, c12);
    av = A_SPLAT ? v128.load(a, 32) : v128.load32_splat(a, 8);
    c20 = Fma.madd(av, b0, c20);
    c21 = Fma.madd(av, b1, c21);
    c22 = Fma.madd(av, b2, c22);
    a += 3 * A_BYTES;
    b += 48;
  }
  const va = f32x4.splat(alpha);
  c00 = f32x4.mul(c00, va);
  c01 = f32x4.mul(c01, va);
  c02 = f32x4.mul(c02, va);
  c10 = f32x4.mul(c10, va);
  c11 = f32x4.mul(c11, va);
  c12 = f32x4.mul(c12, va);
  c20 = f32x4.mul(c20, va);
  c21 = f32x4.mul(c21, va);
  c22 = f32x4.mul(c22, va);
  if (bias != 0) {
    const b0 = v128.load(bias);
    const b1 = v128.load(bias, 16);
    const b2 = v128.load(bias, 32);
    c00 = f32x4.add(c00, b0);
    c01 = f32x4.add(c01, b1);
    c02 = f32x4.add(c02, b2);
    c10 = f32x4.add(c10, b0);
    c11 = f32x4.add(c11, b1);
    c12 = f32x4.add(c12, b2);
    c20 = f32x4.add(c20, b0);
    c21 = f32x4.add(c21, b1);
    c22 = f32x4.add(c22, b2);
  }
  if (beta == 0) {
    v128.store(c, c00);
    v128.store(c, c01, 16);
    v128.store(c, c02, 32);
    c += ldc;
    v128.store(c, c10);
    v128.store(c, c11, 16);
    v128.store(c, c12, 32);
    c += ldc;
    v128.store(c, c20);
    v128.store(c, c21, 16);
    v128.store(c, c22, 32);
  } else {
    const vb = f32x4.splat(beta);
    updateRow(c, c00, c01, vb);
    updateVec(c + 32, c02, vb);
    c += ldc;
    updateRow(c, c10, c11, vb);
    updateVec(c + 32, c12, vb);
    c += ldc;
    updateRow(c, c20, c21, vb);
    updateVec(c + 32, c22, vb);
  }
}
