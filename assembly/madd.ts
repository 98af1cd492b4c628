// The multiply-add step of the GEMM microkernel and of the peak loop, for two builds of one source.
// ASC_FEATURE_RELAXED_SIMD is a compile-time constant (`--enable relaxed-simd`, see
// scripts/build-wasm.mjs), so each module holds only one of the two bodies.
//
// Relaxed: f32x4.relaxed_madd, which V8 turns into one fused multiply-add on a CPU with FMA (a
// multiply then an add on one without). Fused, it rounds once, so its sums differ from the plain
// module's in the last bits. Plain: a multiply then an add, the very instructions the kernels had
// before the relaxed build existed, so the plain modules' results are the same bits as before.
// A static method because `@inline` is only accepted on class members (see math.ts).

export class Fma {
  /** acc + a·b (the microkernel's order). */
  @inline static madd(a: v128, b: v128, acc: v128): v128 {
    if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, acc);
    return f32x4.add(acc, f32x4.mul(a, b));
  }

  /** a·b + c: the same, with the add's operands in the peak loop's order (the plain build unchanged). */
  @inline static mulAdd(a: v128, b: v128, c: v128): v128 {
    if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
    return f32x4.add(f32x4.mul(a, b), c);
  }
}
