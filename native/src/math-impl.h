// Vector exp and erfc for the element-wise kernels: the same algorithms as the WebAssembly kernels
// (assembly/math.ts), so every backend rounds alike and keeps float32 relative precision in GELU's
// far negative tail. Included inside the ISA's namespace after simd.h.
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
static inline vf exp_clamp(vf x) {
  vf c = x < splat(EXP_MIN) ? splat(EXP_MIN) : x;
  return c > splat(EXP_MAX) ? splat(EXP_MAX) : c;
}

/** e^x = e^r · 2^n, given the reduced argument r and t (whose bits hold n). */
static inline vf exp_tail(vf x, vf r, vf t) {
  vf p = splat(1.98756915e-4f);
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = (p * r) * r + r + 1.0f;
  // t's bit pattern is that of 1.5·2^23 plus the integer n: subtracting the patterns gives n.
  const vi scale = (((vi)t - (vi)splat(ROUNDER)) + 127) << 23;
  const vf y = p * (vf)scale;
  return x < splat(EXP_MIN) ? splat(0.0f) : y;
}

static inline vf vexp(vf x) {
  const vf xc = exp_clamp(x);
  const vf t = xc * LOG2E + ROUNDER;
  const vf n = t - ROUNDER;
  vf r = xc - n * LN2_HI;
  r = r - n * LN2_LO;
  return exp_tail(x, r, t);
}

/** e^(hi + lo) with hi exact and lo small: the reduction subtracts n·ln2 from hi before adding lo. */
static inline vf vexp_sum(vf hi, vf lo) {
  const vf x = hi + lo;
  const vf xc = exp_clamp(x);
  const vf t = xc * LOG2E + ROUNDER;
  const vf n = t - ROUNDER;
  const vi clamped = xc != x;
  const vf h = clamped ? xc : hi;
  const vf l = clamped ? splat(0.0f) : lo;
  vf r = h - n * LN2_HI;
  r = r + (l - n * LN2_LO);
  return exp_tail(x, r, t);
}

/** −x²/2 as hi + lo, hi exact (Dekker's split: x's top 12 bits square exactly). */
static inline vf neg_half_square_hi(vf x) {
  const vf xh = (vf)((vi)x & (int32_t)0xfffff000);
  return (xh * xh) * -0.5f;
}
static inline vf neg_half_square_lo(vf x) {
  const vf xh = (vf)((vi)x & (int32_t)0xfffff000);
  return ((x - xh) * (x + xh)) * -0.5f;
}

/** erfc(|x|/√2) by Numerical Recipes' Chebyshev fit (as the reference kernels). */
static inline vf erfc_half(vf x) {
  const vf z = vabs(x) * 0.7071067811865476f;
  const vf t = splat(1.0f) / (z * 0.5f + 1.0f);
  vf p = splat(0.17087277f);
  p = p * t + -0.82215223f;
  p = p * t + 1.48851587f;
  p = p * t + -1.13520398f;
  p = p * t + 0.27886807f;
  p = p * t + -0.18628806f;
  p = p * t + 0.09678418f;
  p = p * t + 0.37409196f;
  p = p * t + 1.00002368f;
  p = p * t + -1.26551223f;
  return t * vexp_sum(neg_half_square_hi(x), neg_half_square_lo(x) + p);
}

/** 1 + erf(x/√2) = 2Φ(x) without cancellation: erfc(|x|/√2) for x < 0, 2 − erfc(x/√2) otherwise. */
static inline vf one_plus_erf(vf x) {
  const vf e = erfc_half(x);
  return x < splat(0.0f) ? e : splat(2.0f) - e;
}

constexpr float INV_SQRT_2PI = 0.3989422804014327f;

static inline vf gelu_value(vf x) { return (x * 0.5f) * one_plus_erf(x); }

/** gelu'(x) = Φ(x) + x·φ(x). */
static inline vf gelu_grad(vf x) {
  const vf cdf = one_plus_erf(x) * 0.5f;
  const vf pdf = vexp_sum(neg_half_square_hi(x), neg_half_square_lo(x)) * INV_SQRT_2PI;
  return cdf + x * pdf;
}
