// GEMM building blocks of one ISA: packing into micro-panels and the register-blocked microkernel
// (BLIS's layout: A in mr-row panels, B in nr-column panels, C tile mr×nr held in registers across
// the whole k block). Included by isa-impl.h inside the ISA's namespace; the loops around these
// (threads, blocking) are ISA-free, in gemm.cc.
#pragma once

#if LORA_W == 16
// 12×32: 24 accumulators + 2 B vectors + broadcasts within 32 zmm registers. kc 192 keeps the 24 KB
// B micro-panel in a 32 KB L1 beside the streaming A panel.
constexpr int MR = 12;
constexpr int NV = 2;
constexpr int KC = 192;
constexpr int MC = 144;
#elif LORA_W == 8
// 6×16: 12 accumulators + 2 B vectors + 1 broadcast of 16 ymm registers.
constexpr int MR = 6;
constexpr int NV = 2;
constexpr int KC = 256;
constexpr int MC = 144;
#else
constexpr int MR = 4;
constexpr int NV = 2;
constexpr int KC = 256;
constexpr int MC = 128;
#endif
constexpr int NR = NV * W;
constexpr int NC = 3072;

static inline int imin(int64_t a, int64_t b) { return static_cast<int>(a < b ? a : b); }

static void pack_a(const float* a, int64_t lda, bool trans, int64_t i0, int mc, int64_t p0, int kc, float* out) {
  for (int ir = 0; ir < mc; ir += MR) {
    const int mv = imin(MR, mc - ir);
    float* o = out + static_cast<int64_t>(ir) * kc;
    if (!trans) {
      // op(A)(i, p) = a[i·lda + p]: mr rows read side by side, interleaved per p.
      const float* rows[MR];
      for (int r = 0; r < MR; r++) rows[r] = a + (i0 + ir + (r < mv ? r : 0)) * lda + p0;
      if (mv == MR) {
        for (int p = 0; p < kc; p++)
          for (int r = 0; r < MR; r++) o[p * MR + r] = rows[r][p];
      } else {
        for (int p = 0; p < kc; p++)
          for (int r = 0; r < MR; r++) o[p * MR + r] = r < mv ? rows[r][p] : 0.0f;
      }
    } else {
      // op(A)(i, p) = a[p·lda + i]: each p is mr contiguous floats.
      for (int p = 0; p < kc; p++) {
        const float* s = a + (p0 + p) * lda + i0 + ir;
        if (mv == MR) {
          for (int r = 0; r < MR; r++) o[p * MR + r] = s[r];
        } else {
          for (int r = 0; r < MR; r++) o[p * MR + r] = r < mv ? s[r] : 0.0f;
        }
      }
    }
  }
}

static void pack_b(const float* b, int64_t ldb, bool trans, int64_t p0, int kc, int64_t j0, int nc, float* out) {
  for (int jr = 0; jr < nc; jr += NR) {
    const int nv = imin(NR, nc - jr);
    float* o = out + static_cast<int64_t>(jr) * kc;
    if (!trans) {
      // op(B)(p, j) = b[p·ldb + j]: each p is nr contiguous floats.
      for (int p = 0; p < kc; p++) {
        const float* s = b + (p0 + p) * ldb + j0 + jr;
        float* d = o + p * NR;
        if (nv == NR) {
          for (int v = 0; v < NV; v++) store(d + v * W, load(s + v * W));
        } else {
          for (int j = 0; j < NR; j++) d[j] = j < nv ? s[j] : 0.0f;
        }
      }
    } else {
      // op(B)(p, j) = b[j·ldb + p]: column j of op(B) is a contiguous row of b.
      for (int j = 0; j < NR; j++) {
        float* d = o + j;
        if (j < nv) {
          const float* s = b + (j0 + jr + j) * ldb + p0;
          for (int p = 0; p < kc; p++) d[p * NR] = s[p];
        } else {
          for (int p = 0; p < kc; p++) d[p * NR] = 0.0f;
        }
      }
    }
  }
}

/** One mr×nr tile of C (mv×nv of it valid) from a packed A panel and a packed B panel. */
static inline __attribute__((always_inline)) void tile(int kc, const float* __restrict ap,
                                                       const float* __restrict bp, float* c, int64_t ldc,
                                                       int mv, int nv, const Epilogue& e, const float* bias) {
  vf acc[MR][NV];
#pragma GCC unroll 16
  for (int r = 0; r < MR; r++)
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) acc[r][v] = splat(0.0f);
  for (int p = 0; p < kc; p++) {
    vf bv[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) bv[v] = load(bp + v * W);
#pragma GCC unroll 16
    for (int r = 0; r < MR; r++) {
      const vf av = splat(ap[r]);
#pragma GCC unroll 4
      for (int v = 0; v < NV; v++) acc[r][v] = fmadd(av, bv[v], acc[r][v]);
    }
    ap += MR;
    bp += NR;
  }
  const vf alpha = splat(e.alpha);
  if (mv == MR && nv == NR) {
#pragma GCC unroll 16
    for (int r = 0; r < MR; r++) {
      float* cr = c + r * ldc;
#pragma GCC unroll 4
      for (int v = 0; v < NV; v++) {
        vf x = acc[r][v] * alpha;
        if (e.first) {
          if (bias) x += load(bias + v * W);
          // beta 0 never reads C: its old contents may be anything, NaN included.
          if (e.beta != 0.0f) x += splat(e.beta) * load(cr + v * W);
        } else {
          x += load(cr + v * W);
        }
        store(cr + v * W, x);
      }
    }
    return;
  }
  alignas(64) float t[MR * NR];
  for (int r = 0; r < MR; r++)
    for (int v = 0; v < NV; v++) store(t + r * NR + v * W, acc[r][v]);
  for (int r = 0; r < mv; r++) {
    float* cr = c + r * ldc;
    for (int j = 0; j < nv; j++) {
      float x = t[r * NR + j] * e.alpha;
      if (e.first) {
        if (bias) x += bias[j];
        if (e.beta != 0.0f) x += e.beta * cr[j];
      } else {
        x += cr[j];
      }
      cr[j] = x;
    }
  }
}

static void macro(int mc, int nc, int kc, const float* ap, const float* bp, float* c, int64_t ldc,
                  const Epilogue& e) {
  for (int jr = 0; jr < nc; jr += NR) {
    const int nv = imin(NR, nc - jr);
    const float* bias = e.bias ? e.bias + jr : nullptr;
    const float* bpanel = bp + static_cast<int64_t>(jr) * kc;
    for (int ir = 0; ir < mc; ir += MR) {
      const int mv = imin(MR, mc - ir);
      tile(kc, ap + static_cast<int64_t>(ir) * kc, bpanel, c + ir * ldc + jr, ldc, mv, nv, e, bias);
    }
  }
}

/**
 * The machine's fp32 ceiling as this ISA reaches it: 12 independent multiply-add chains (more than
 * FMA latency × pipes on current cores), all in registers.
 */
static double peak_loop(int64_t iterations, float* sink) {
  constexpr int CHAINS = 12;
  vf acc[CHAINS];
  for (int i = 0; i < CHAINS; i++) acc[i] = splat(1.0f + 0.001f * i);
  const vf m = splat(0.9999999f);
  const vf a = splat(1e-7f);
  for (int64_t it = 0; it < iterations; it++) {
#pragma GCC unroll 16
    for (int i = 0; i < CHAINS; i++) acc[i] = fmadd(acc[i], m, a);
  }
  vf s = acc[0];
  for (int i = 1; i < CHAINS; i++) s += acc[i];
  *sink = hsum(s);
  return 2.0 * W * CHAINS * static_cast<double>(iterations);
}
