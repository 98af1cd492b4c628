// Vector exp and erfc for the element-wise kernels: the same algorithms as the WebAssembly kernels
// (assembly/math.ts), so every backend rounds alike and keeps float32 relative precision in GELU's
// far negative tail. Written on Packs of K vectors (pack.h), so a loop can keep several long chains in
// flight; every lane does the same operations in the same order whatever K is. Included inside the
// ISA's namespace after simd.h and pack.h.
#pragma once

// exp: x = n·ln2 + r, |r| ≤ ln2/2, ln2 split in two so n·ln2 is exact; e^r by Cephes' expf
// polynomial; 2^n built in the exponent bits (n rounded by adding 1.5·2^23).
constexpr float LOG2E = 1.44269504088896341f;
constexpr float LN2_HI = 0.693359375f;
constexpr float LN2_LO = -2.1219444e-4f;
constexpr float ROUNDER = 12582912.0f;
/** Below this e^x is not a normal float; flushed to 0 (softmax wants exact zeros for masked −inf). */
constexpr float EXP_MIN = -87.33654f;
constexpr float EXP_MAX = 88.0f;

/** Clamped to [EXP_MIN, EXP_MAX]; NaN passes through (both comparisons are false for it). */
template <int K>
LORA_PACK_INLINE Pack<K> exp_clamp(Pack<K> x) {
  const Pack<K> c = select(x < EXP_MIN, EXP_MIN, x);
  return select(c > EXP_MAX, EXP_MAX, c);
}

/** e^x = e^r · 2^n, given the reduced argument r and t (whose bits hold n). */
template <int K>
LORA_PACK_INLINE Pack<K> exp_tail(Pack<K> x, Pack<K> r, Pack<K> t) {
  Pack<K> p = pack_splat<K>(1.98756915e-4f);
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = (p * r) * r + r + 1.0f;
  // t's bit pattern is that of 1.5·2^23 plus the integer n: subtracting the patterns gives n.
  const Pack<K> y = p * pack_bits_shifted(t, ROUNDER, 127, 23);
  return select(x < EXP_MIN, 0.0f, y);
}

template <int K>
LORA_PACK_INLINE Pack<K> exp_of(Pack<K> x) {
  const Pack<K> xc = exp_clamp(x);
  const Pack<K> t = xc * LOG2E + ROUNDER;
  const Pack<K> n = t - ROUNDER;
  Pack<K> r = xc - n * LN2_HI;
  r = r - n * LN2_LO;
  return exp_tail(x, r, t);
}

static inline vf vexp(vf x) { return exp_of(Pack<1>{{x}}).v[0]; }

/** e^(hi + lo) with hi exact and lo small: the reduction subtracts n·ln2 from hi before adding lo. */
template <int K>
LORA_PACK_INLINE Pack<K> exp_sum(Pack<K> hi, Pack<K> lo) {
  const Pack<K> x = hi + lo;
  const Pack<K> xc = exp_clamp(x);
  const Pack<K> t = xc * LOG2E + ROUNDER;
  const Pack<K> n = t - ROUNDER;
  const Mask<K> clamped = xc != x;
  const Pack<K> h = select(clamped, xc, hi);
  const Pack<K> l = select(clamped, 0.0f, lo);
  Pack<K> r = h - n * LN2_HI;
  r = r + (l - n * LN2_LO);
  return exp_tail(x, r, t);
}

/** −x²/2 as hi + lo, hi exact (Dekker's split: x's top 12 bits square exactly). */
template <int K>
LORA_PACK_INLINE Pack<K> neg_half_square_hi(Pack<K> x) {
  const Pack<K> xh = pack_mask_bits(x, (int32_t)0xfffff000);
  return (xh * xh) * -0.5f;
}
template <int K>
LORA_PACK_INLINE Pack<K> neg_half_square_lo(Pack<K> x) {
  const Pack<K> xh = pack_mask_bits(x, (int32_t)0xfffff000);
  return ((x - xh) * (x + xh)) * -0.5f;
}

// erfc(|x|/√2) by Numerical Recipes' Chebyshev fit (as the reference kernels), in two parts that a
// kernel may run as separate passes: t and the polynomial, then t · e^(−x²/2 + polynomial).

/** t = 1 / (1 + |x|/(2√2)). */
template <int K>
LORA_PACK_INLINE Pack<K> erfc_t(Pack<K> x) {
  const Pack<K> z = pack_abs(x) * 0.7071067811865476f;
  return pack_splat<K>(1.0f) / (z * 0.5f + 1.0f);
}
template <int K>
LORA_PACK_INLINE Pack<K> erfc_poly(Pack<K> t) {
  Pack<K> p = pack_splat<K>(0.17087277f);
  p = p * t + -0.82215223f;
  p = p * t + 1.48851587f;
  p = p * t + -1.13520398f;
  p = p * t + 0.27886807f;
  p = p * t + -0.18628806f;
  p = p * t + 0.09678418f;
  p = p * t + 0.37409196f;
  p = p * t + 1.00002368f;
  p = p * t + -1.26551223f;
  return p;
}

/** 1 + erf(x/√2) = 2Φ(x) without cancellation: erfc(|x|/√2) for x < 0, 2 − erfc(x/√2) otherwise. */
template <int K>
LORA_PACK_INLINE Pack<K> one_plus_erf(Pack<K> x, Pack<K> t, Pack<K> poly, Pack<K> hi, Pack<K> lo) {
  const Pack<K> e = t * exp_sum(hi, lo + poly);
  return select(x < 0.0f, e, pack_splat<K>(2.0f) - e);
}

constexpr float INV_SQRT_2PI = 0.3989422804014327f;

/** gelu(x) = x/2 · (1 + erf(x/√2)), given erfc_t(x) and erfc_poly of it. */
template <int K>
LORA_PACK_INLINE Pack<K> gelu_value(Pack<K> x, Pack<K> t, Pack<K> poly) {
  return (x * 0.5f) * one_plus_erf(x, t, poly, neg_half_square_hi(x), neg_half_square_lo(x));
}

/** gelu'(x) = Φ(x) + x·φ(x), given erfc_t(x) and erfc_poly of it. */
template <int K>
LORA_PACK_INLINE Pack<K> gelu_grad(Pack<K> x, Pack<K> t, Pack<K> poly) {
  const Pack<K> hi = neg_half_square_hi(x);
  const Pack<K> lo = neg_half_square_lo(x);
  const Pack<K> cdf = one_plus_erf(x, t, poly, hi, lo) * 0.5f;
  const Pack<K> pdf = exp_sum(hi, lo) * INV_SQRT_2PI;
  return cdf + x * pdf;
}
