// Vector math shared by the element-wise kernels. Helpers sit on a class as static methods because
// `@inline` is only accepted (by prettier's TypeScript parser too) on class members.

// exp: x = n·ln2 + r with |r| ≤ ln2/2 (ln2 split in two so n·ln2 is exact), e^r by Cephes' expf
// polynomial (about 1 ulp), 2^n built in the exponent bits. n is rounded by adding 1.5·2^23, which
// leaves n in the low mantissa bits: cheaper than V8's saturating float→int conversion.
const LOG2E: f32 = 1.44269504088896341;
const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.1219444e-4;
const ROUNDER: f32 = 12582912.0;
/** Below this e^x is not a normal float32; the result is flushed to 0 (softmax wants exact zeros for masked -inf). */
const EXP_MIN: f32 = -87.33654;
/** Every caller passes x ≤ ~1; the clamp only keeps 2^n finite (n ≤ 127). */
const EXP_MAX: f32 = 88.0;

// erfc, Numerical Recipes' Chebyshev fit (the reference kernels use the same one): fractional error
// below 1.2e-7 everywhere. erfc(z) = t · exp(-z² + P(t)), t = 1 / (1 + z/2), z ≥ 0. A plain
// Abramowitz–Stegun 7.1.26 (1.5e-7 absolute) would lose all relative precision in the tails.
const E0: f32 = -1.26551223;
const E1: f32 = 1.00002368;
const E2: f32 = 0.37409196;
const E3: f32 = 0.09678418;
const E4: f32 = -0.18628806;
const E5: f32 = 0.27886807;
const E6: f32 = -1.13520398;
const E7: f32 = 1.48851587;
const E8: f32 = -0.82215223;
const E9: f32 = 0.17087277;

export class V {
  @inline static splat(x: f32): v128 {
    return f32x4.splat(x);
  }

  @inline static exp(x: v128): v128 {
    // pmax/pmin with x first pass NaN through unchanged.
    const xc = f32x4.pmin(f32x4.pmax(x, f32x4.splat(EXP_MIN)), f32x4.splat(EXP_MAX));
    const t = f32x4.add(f32x4.mul(xc, f32x4.splat(LOG2E)), f32x4.splat(ROUNDER));
    const n = f32x4.sub(t, f32x4.splat(ROUNDER));
    let r = f32x4.sub(xc, f32x4.mul(n, f32x4.splat(LN2_HI)));
    r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(LN2_LO)));
    return V.expTail(x, r, t);
  }

  /**
   * e^(hi + lo), where hi is exactly representable and lo small: the range reduction subtracts n·ln2
   * from hi exactly before adding lo, so the rounding of hi + lo to float32 (up to 5e-7 absolute for
   * |hi| ≈ 12) never reaches the result. That keeps erfc's far tail at float32 precision.
   */
  @inline static expSum(hi: v128, lo: v128): v128 {
    const x = f32x4.add(hi, lo);
    // pmax/pmin with x first pass NaN through unchanged.
    const xc = f32x4.pmin(f32x4.pmax(x, f32x4.splat(EXP_MIN)), f32x4.splat(EXP_MAX));
    const t = f32x4.add(f32x4.mul(xc, f32x4.splat(LOG2E)), f32x4.splat(ROUNDER));
    const n = f32x4.sub(t, f32x4.splat(ROUNDER));
    // Where the clamp acted, hi + lo is replaced by the clamped value (the result is flushed or
    // saturated anyway).
    const clamped = f32x4.ne(xc, x);
    const h = v128.bitselect(xc, hi, clamped);
    const l = v128.andnot(lo, clamped);
    let r = f32x4.sub(h, f32x4.mul(n, f32x4.splat(LN2_HI)));
    r = f32x4.add(r, f32x4.sub(l, f32x4.mul(n, f32x4.splat(LN2_LO))));
    return V.expTail(x, r, t);
  }

  /** e^x = e^r · 2^n, given the reduced argument r and t (whose bits hold n, see above). */
  @inline static expTail(x: v128, r: v128, t: v128): v128 {
    let p = f32x4.splat(1.98756915e-4);
    p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
    p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
    p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
    p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
    p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
    p = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(p, r), r), r), f32x4.splat(1));
    // t's bit pattern is that of 1.5·2^23 plus the integer n: subtracting the patterns gives n.
    const scale = i32x4.shl(i32x4.add(i32x4.sub(t, f32x4.splat(ROUNDER)), i32x4.splat(127)), 23);
    const y = f32x4.mul(p, scale);
    return v128.andnot(y, f32x4.lt(x, f32x4.splat(EXP_MIN)));
  }

  /**
   * −x²/2 as hi + lo with hi exact: x = xh + xl where xh keeps 12 significant bits, so xh² fits a
   * float32 exactly and x² − xh² = xl·(x + xh) is small. (Dekker's split; without fused
   * multiply-add this is how the rounding error of x² is kept.)
   */
  @inline static negHalfSquareHi(x: v128): v128 {
    const xh = v128.and(x, i32x4.splat(0xfffff000));
    return f32x4.mul(f32x4.mul(xh, xh), f32x4.splat(-0.5));
  }

  @inline static negHalfSquareLo(x: v128): v128 {
    const xh = v128.and(x, i32x4.splat(0xfffff000));
    return f32x4.mul(f32x4.mul(f32x4.sub(x, xh), f32x4.add(x, xh)), f32x4.splat(-0.5));
  }

  /** erfc(|x|/√2), i.e. 2·Φ(−|x|). */
  @inline static erfcHalf(x: v128): v128 {
    const z = f32x4.mul(f32x4.abs(x), f32x4.splat(0.7071067811865476));
    const t = f32x4.div(f32x4.splat(1), f32x4.add(f32x4.splat(1), f32x4.mul(z, f32x4.splat(0.5))));
    let p = f32x4.splat(E9);
    p = f32x4.add(f32x4.mul(p, t), f32x4.splat(E8));
    p = f32x4.add(f32x4.mul(p, t), f32x4.splat(E7));
    p = f32x4.add(f32x4.mul(p, t), f32x4.splat(E6));
    p = f32x4.add(f32x4.mul(p, t), f32x4.splat(E5));
    p = f32x4.add(f32x4.mul(p, t), f32x4.splat(E4));
    p = f32x4.add(f32x4.mul(p, t), f32x4.splat(E3));
    p = f32x4.add(f32x4.mul(p, t), f32x4.splat(E2));
    p = f32x4.add(f32x4.mul(p, t), f32x4.splat(E1));
    p = f32x4.add(f32x4.mul(p, t), f32x4.splat(E0));
    // −z² = −x²/2, split so that its rounding does not limit the tail's relative precision.
    return f32x4.mul(t, V.expSum(V.negHalfSquareHi(x), f32x4.add(V.negHalfSquareLo(x), p)));
  }

  /**
   * 1 + erf(x/√2) = 2Φ(x), formed without cancellation: erfc(|x|/√2) for x < 0 (so the far negative
   * tail keeps its relative precision) and 2 − erfc(x/√2) otherwise.
   */
  @inline static onePlusErf(x: v128): v128 {
    const e = V.erfcHalf(x);
    return v128.bitselect(e, f32x4.sub(f32x4.splat(2), e), f32x4.lt(x, f32x4.splat(0)));
  }

  @inline static hsum(v: v128): f32 {
    return (
      f32x4.extract_lane(v, 0) +
      f32x4.extract_lane(v, 1) +
      (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3))
    );
  }

  @inline static hmax(v: v128): f32 {
    return max(
      max(f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1)),
      max(f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)),
    );
  }

  /** Loads the first `count` (< 4) floats at p into the low lanes; the rest are `fill`. */
  @inline static loadPartial(p: usize, count: i32, fill: f32): v128 {
    let v = f32x4.splat(fill);
    if (count > 0) v = f32x4.replace_lane(v, 0, load<f32>(p));
    if (count > 1) v = f32x4.replace_lane(v, 1, load<f32>(p, 4));
    if (count > 2) v = f32x4.replace_lane(v, 2, load<f32>(p, 8));
    return v;
  }

  @inline static storePartial(p: usize, v: v128, count: i32): void {
    if (count > 0) store<f32>(p, f32x4.extract_lane(v, 0));
    if (count > 1) store<f32>(p, f32x4.extract_lane(v, 1), 4);
    if (count > 2) store<f32>(p, f32x4.extract_lane(v, 2), 8);
  }
}
