// Seeded operands and layouts for the GEMM A/B scripts (native-gemm-ab.mjs, wasm-gemm-ab.mjs): both
// builds under comparison must see the same bits, including NaNs of both signs, ±0, ±inf and denormals.

let seed = 12345;
/** A linear congruential generator, so a case list is the same on every run and machine. */
export function rand() {
  seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
  return seed / 2 ** 32;
}
/** Restarts the sequence, so one mode's cases do not depend on what ran before it. */
export function reseed(value) {
  seed = value >>> 0;
}

// NaNs of both signs and another payload: where two meet, which one comes out depends on operand order.
const nans = new Float32Array(new Uint32Array([0xffc00000, 0x7fc01234, 0xffc00077]).buffer);
const SPECIAL = [NaN, ...nans, 0, -0, Infinity, -Infinity, 1e-41, -3e-42, 1e-45, 3e38, -3e38];

/** n values in [-1, 1); with `specials`, about 3 % of them special values. */
export function fill(n, specials) {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const r = rand();
    x[i] = specials && r < 0.03 ? SPECIAL[Math.floor(rand() * SPECIAL.length)] : (rand() - 0.5) * 2;
  }
  return x;
}

/**
 * A case's full layout (leading dimensions, strides, attention-like groups; defaults where `s` is
 * silent) and fresh operands sized to it: a, b, c, and bias (null without `s.bias`).
 */
export function gemmCase(s, specials) {
  const { batch = 1, m, n, k, tA = false, tB = false, alpha = 1, beta = 0 } = s;
  const lda = s.lda ?? (tA ? m : k);
  const ldb = s.ldb ?? (tB ? k : n);
  const ldc = s.ldc ?? n;
  const aRows = tA ? k : m;
  const bRows = tB ? n : k;
  const aStride = s.aStride ?? aRows * lda;
  const bStride = s.bStride ?? bRows * ldb;
  const cStride = s.cStride ?? m * ldc;
  const group = s.group ?? batch;
  const groups = Math.ceil(batch / group);
  const aGroupStride = s.aGroupStride ?? group * aStride;
  const bGroupStride = s.bGroupStride ?? group * bStride;
  const cGroupStride = s.cGroupStride ?? group * cStride;
  const extent = (stride, gs, rows, ld) => (groups - 1) * gs + (group - 1) * stride + rows * ld;
  return {
    batch,
    m,
    n,
    k,
    tA,
    tB,
    alpha,
    beta,
    lda,
    ldb,
    ldc,
    aStride,
    bStride,
    cStride,
    group,
    aGroupStride,
    bGroupStride,
    cGroupStride,
    a: fill(extent(aStride, aGroupStride, aRows, lda), specials),
    b: fill(extent(bStride, bGroupStride, bRows, ldb), specials),
    c: fill(extent(cStride, cGroupStride, m, ldc), specials),
    bias: s.bias ? fill(n, specials) : null,
  };
}
