// GEMM building blocks of one ISA: packing into micro-panels and the register-blocked microkernel
// (BLIS's layout: A in mr-row panels, B in nr-column panels, C tile mr×nr held in registers across
// the whole k block). Included by isa-impl.h inside the ISA's namespace; the loops around these
// (threads, blocking) are ISA-free, in gemm.cc.
#pragma once

#if LORA_W == 16
// 12×32: 24 accumulators + 2 B vectors + broadcasts within 32 zmm registers. kc is AVX2's: each C
// element's sum over k is then split into the same blocks, so both builds give the same bits (the
// 32 KB B micro-panel fits a 48 KB L1; on a 32 KB one kc 192 kept it there, with other results).
constexpr int MR = 12;
constexpr int NV = 2;
constexpr int KC = 256;
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

#if LORA_W >= 8
/** Rows r[0..8) of an 8×8 block become its columns: r[q] = (r0[q], r1[q], …, r7[q]). */
static inline void transpose8(__m256 r[8]) {
  const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
  const __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
  const __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
  const __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
  const __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xee);
  const __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xee);
  const __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xee);
  const __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xee);
  r[0] = _mm256_permute2f128_ps(u0, u4, 0x20);
  r[1] = _mm256_permute2f128_ps(u1, u5, 0x20);
  r[2] = _mm256_permute2f128_ps(u2, u6, 0x20);
  r[3] = _mm256_permute2f128_ps(u3, u7, 0x20);
  r[4] = _mm256_permute2f128_ps(u0, u4, 0x31);
  r[5] = _mm256_permute2f128_ps(u1, u5, 0x31);
  r[6] = _mm256_permute2f128_ps(u2, u6, 0x31);
  r[7] = _mm256_permute2f128_ps(u3, u7, 0x31);
}
#endif

static void pack_a(const float* a, int64_t lda, bool trans, int64_t i0, int mc, int64_t p0, int kc, float* out) {
  if (trans) {
    // op(A)(i, p) = a[p·lda + i]: row p of a holds the block's rows side by side. A few p at a time
    // across every panel, so each row of a is read once from front to back and each panel is
    // written in runs (panel by panel, each p would touch a new row of a and often a new page).
    constexpr int PB = 8;
    for (int pb = 0; pb < kc; pb += PB) {
      const int pe = imin(kc, pb + PB);
      // The rows two groups on, line by line: a few lines of each row a few KB apart are too sparse
      // for the hardware prefetchers, and each miss would otherwise stall the copy.
      for (int p = pb + 2 * PB; p < imin(kc, pb + 3 * PB); p++) {
        const float* s = a + (p0 + p) * lda + i0;
        for (int i = 0; i < mc; i += 16) __builtin_prefetch(s + i, 0, 3);
        __builtin_prefetch(s + mc - 1, 0, 3);
      }
      for (int ir = 0; ir < mc; ir += MR) {
        const int mv = imin(MR, mc - ir);
        float* o = out + static_cast<int64_t>(ir) * kc;
        for (int p = pb; p < pe; p++) {
          const float* s = a + (p0 + p) * lda + i0 + ir;
          if (mv == MR) {
            for (int r = 0; r < MR; r++) o[p * MR + r] = s[r];
          } else {
            for (int r = 0; r < MR; r++) o[p * MR + r] = r < mv ? s[r] : 0.0f;
          }
        }
      }
    }
    return;
  }
  for (int ir = 0; ir < mc; ir += MR) {
    const int mv = imin(MR, mc - ir);
    float* o = out + static_cast<int64_t>(ir) * kc;
    // op(A)(i, p) = a[i·lda + p]: mr rows read side by side, interleaved per p.
    const float* rows[MR];
    for (int r = 0; r < MR; r++) rows[r] = a + (i0 + ir + (r < mv ? r : 0)) * lda + p0;
    if (mv == MR) {
      int p = 0;
#if LORA_W == 8
      // Eight p at a time: the six rows' next eight floats, transposed in registers, instead of one
      // scalar load and store per float.
      for (; p + 8 <= kc; p += 8) {
        __m256 v[8];
        for (int r = 0; r < MR; r++) v[r] = _mm256_loadu_ps(rows[r] + p);
        v[6] = v[7] = _mm256_setzero_ps();
        transpose8(v);
        for (int q = 0; q < 8; q++) {
          float* d = o + (p + q) * MR;
          _mm_storeu_ps(d, _mm256_castps256_ps128(v[q]));
          _mm_storel_pi(reinterpret_cast<__m64*>(d + 4), _mm256_extractf128_ps(v[q], 1));
        }
      }
#elif LORA_W == 16
      // Eight p at a time: rows 0–7 and rows 8–11 (four zero rows beside them) transposed in
      // registers, so each p's twelve floats go out as one 8-float and one 4-float store.
      static_assert(MR == 12, "the transpose below covers 12 rows");
      for (; p + 8 <= kc; p += 8) {
        __m256 lo[8];
        __m256 hi[8];
        for (int r = 0; r < 8; r++) lo[r] = _mm256_loadu_ps(rows[r] + p);
        for (int r = 0; r < 4; r++) hi[r] = _mm256_loadu_ps(rows[8 + r] + p);
        for (int r = 4; r < 8; r++) hi[r] = _mm256_setzero_ps();
        transpose8(lo);
        transpose8(hi);
        for (int q = 0; q < 8; q++) {
          float* d = o + (p + q) * MR;
          _mm256_storeu_ps(d, lo[q]);
          _mm_storeu_ps(d + 8, _mm256_castps256_ps128(hi[q]));
        }
      }
#endif
      for (; p < kc; p++)
        for (int r = 0; r < MR; r++) o[p * MR + r] = rows[r][p];
    } else {
      for (int p = 0; p < kc; p++)
        for (int r = 0; r < MR; r++) o[p * MR + r] = r < mv ? rows[r][p] : 0.0f;
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
#if LORA_W >= 8
      if (nv == NR) {
        // Eight p at a time from each eighth of the panel's NR rows of b, transposed in registers:
        // 8-float stores instead of one scalar store per float, NR floats apart.
        int p = 0;
        for (; p + 8 <= kc; p += 8) {
          for (int h = 0; h < NR; h += 8) {
            __m256 v[8];
            for (int j = 0; j < 8; j++) v[j] = _mm256_loadu_ps(b + (j0 + jr + h + j) * ldb + p0 + p);
            transpose8(v);
            for (int q = 0; q < 8; q++) _mm256_storeu_ps(o + (p + q) * NR + h, v[q]);
          }
        }
        for (; p < kc; p++)
          for (int j = 0; j < NR; j++) o[p * NR + j] = b[(j0 + jr + j) * ldb + p0 + p];
        continue;
      }
#endif
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

/** The mv×nv valid part of a tile's sums t (row pitch cols) written to C, as write_tile does. */
static void write_partial(const float* t, int cols, float* c, int64_t ldc, int mv, int nv, const Epilogue& e,
                          const float* bias) {
  const float alpha = e.alpha;
  const float beta = e.beta;
  const bool first = e.first;
  for (int r = 0; r < mv; r++) {
    float* cr = c + r * ldc;
    for (int j = 0; j < nv; j++) {
      float x = t[r * cols + j] * alpha;
      if (first) {
        if (bias) x = add_first(x, bias[j]);
        if (beta != 0.0f) x = add_first(x, beta * cr[j]);
      } else {
        x = add_first(x, cr[j]);
      }
      cr[j] = x;
    }
  }
}

/**
 * Writes a ROWS×(NVEC·W) tile's sums to C (mv×nv of it valid): the first k block C = alpha·acc + bias
 * + beta·C (beta 0 never reads C), later blocks C = alpha·acc + C. Every GEMM path ends its tiles
 * here, so every path rounds alike.
 */
template <int ROWS, int NVEC>
static inline __attribute__((always_inline)) void write_tile(const vf (&acc)[ROWS][NVEC], float* c, int64_t ldc,
                                                             int mv, int nv, const Epilogue& e,
                                                             const float* bias) {
  constexpr int COLS = NVEC * W;
  const vf alpha = splat(e.alpha);
  // Read once: C's stores could alias e as far as the compiler knows, and it would reload them.
  const bool first = e.first;
  const bool scaleC = e.beta != 0.0f;
  const vf beta = splat(e.beta);
  if (mv == ROWS && nv == COLS) {
#pragma GCC unroll 32
    for (int r = 0; r < ROWS; r++) {
      float* cr = c + r * ldc;
#pragma GCC unroll 4
      for (int v = 0; v < NVEC; v++) {
        vf x = acc[r][v] * alpha;
        if (first) {
          if (bias) x = add_first(x, load(bias + v * W));
          // beta 0 never reads C: its old contents may be anything, NaN included.
          if (scaleC) x = add_first(x, beta * load(cr + v * W));
        } else {
          x = add_first(x, load(cr + v * W));
        }
        store(cr + v * W, x);
      }
    }
    return;
  }
  alignas(64) float t[ROWS * COLS];
  for (int r = 0; r < ROWS; r++)
    for (int v = 0; v < NVEC; v++) store(t + r * COLS + v * W, acc[r][v]);
  write_partial(t, COLS, c, ldc, mv, nv, e, bias);
}

/**
 * C's rows were last touched a whole k block ago and have left L1 and L2 (or were never read):
 * fetching them before the k loop hides the miss instead of stalling the epilogue on it. A tile's row
 * may straddle two lines.
 */
template <int ROWS>
static inline __attribute__((always_inline)) void prefetch_tile(float* c, int64_t ldc, int mv, int nv) {
#pragma GCC unroll 32
  for (int r = 0; r < ROWS; r++) {
    if (r < mv) {
      __builtin_prefetch(c + r * ldc, 1, 3);
      __builtin_prefetch(c + r * ldc + nv - 1, 1, 3);
    }
  }
}

/**
 * acc + a·b as main's kernel computed it, with its operands in the same order: where several of them
 * are NaN, x86 passes on the first one's (acc's, then a's). Left to the compiler, the order changes
 * with register allocation (vfmadd132ps with a first in some copies of the loop).
 */
static inline vf fmadd_acc(vf a, vf b, vf acc) {
#if LORA_W == 16 || LORA_W == 8
  asm("vfmadd231ps %2, %1, %0" : "+v"(acc) : "v"(a), "v"(b));
  return acc;
#else
  return fmadd(a, b, acc);
#endif
}

/**
 * One row of a tile of C into L1 ahead of its epilogue: every 64-byte line of it (a 128-byte row
 * spans three when it is not 64-byte aligned, as Node's arrays are not).
 */
static inline __attribute__((always_inline)) void prefetch_row(const float* c) {
  static_assert(NR * 4 <= 128, "a row of the tile spans at most three lines");
  __builtin_prefetch(c, 1, 3);
  if (NR > 16) __builtin_prefetch(c + 16, 1, 3);
  __builtin_prefetch(c + NR - 1, 1, 3);
}

/**
 * One mr×nr tile of C (mv×nv of it valid) from a packed A panel and a packed B panel. `cnext`: the
 * next tile's C (null for none), fetched a row per eight p while this tile's sums run, rather than
 * this tile's all at once when it starts: C is back from L3 every k block, and a burst of dozens of
 * misses fills the miss buffers that the A panel's stream from L2 needs.
 */
static inline __attribute__((always_inline)) void tile(int kc, const float* __restrict ap,
                                                       const float* __restrict bp, float* c, int64_t ldc,
                                                       int mv, int nv, const Epilogue& e, const float* bias,
                                                       const float* cnext) {
  vf acc[MR][NV];
#pragma GCC unroll 16
  for (int r = 0; r < MR; r++)
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) acc[r][v] = splat(0.0f);
  const auto step = [&]() __attribute__((always_inline)) {
    vf bv[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) bv[v] = load(bp + v * W);
#pragma GCC unroll 16
    for (int r = 0; r < MR; r++) {
      const vf av = splat(ap[r]);
#pragma GCC unroll 4
      for (int v = 0; v < NV; v++) acc[r][v] = fmadd_acc(av, bv[v], acc[r][v]);
    }
    ap += MR;
    bp += NR;
  };
  int p = 0;
  if (cnext) {
    for (int r = 0; r < MR && p + 8 <= kc; r++) {
      prefetch_row(cnext + r * ldc);
#pragma GCC unroll 8
      for (int q = 0; q < 8; q++) step();
      p += 8;
    }
  }
#pragma GCC unroll 4
  for (; p < kc; p++) step();
  write_tile<MR, NV>(acc, c, ldc, mv, nv, e, bias);
}

static void macro(int mc, int nc, int kc, const float* ap, const float* bp, float* c, int64_t ldc,
                  const Epilogue& e) {
  // The first tile's C has no tile before it to fetch it.
  prefetch_tile<MR>(c, ldc, imin(MR, mc), imin(NR, nc));
  for (int jr = 0; jr < nc; jr += NR) {
    const int nv = imin(NR, nc - jr);
    const float* bias = e.bias ? e.bias + jr : nullptr;
    const float* bpanel = bp + static_cast<int64_t>(jr) * kc;
    for (int ir = 0; ir < mc; ir += MR) {
      const int mv = imin(MR, mc - ir);
      // The next tile down this column, else the top of the next column; edge tiles (which would
      // fetch past C's last row or column) fetch nothing.
      const float* cnext = nullptr;
      if (ir + 2 * MR <= mc) cnext = c + (ir + MR) * ldc + jr;
      else if (ir + MR >= mc && jr + 2 * NR <= nc && mc >= MR) cnext = c + jr + NR;
      tile(kc, ap + static_cast<int64_t>(ir) * kc, bpanel, c + ir * ldc + jr, ldc, mv, nv, e, bias, cnext);
    }
  }
}

/** acc[r][·] = fused multiply-add chain over p < kc of op(A)(r, p) (from `at`) times a packed B row. */
template <int ROWS, int NVEC, class At>
static inline __attribute__((always_inline)) void chains(int kc, const float* __restrict bp, vf (&acc)[ROWS][NVEC],
                                                         At at) {
#pragma GCC unroll 2
  for (int p = 0; p < kc; p++) {
    vf bv[NVEC];
#pragma GCC unroll 4
    for (int v = 0; v < NVEC; v++) bv[v] = load(bp + p * NR + v * W);
#pragma GCC unroll 32
    for (int r = 0; r < ROWS; r++) {
      const vf av = splat(at(r, p));
#pragma GCC unroll 4
      for (int v = 0; v < NVEC; v++) acc[r][v] = fmadd(av, bv[v], acc[r][v]);
    }
  }
}

/**
 * One ROWS×(NVEC·W) tile of C (mv×nv of it valid) from A as stored, at op(A)(0, 0) of the tile, and a
 * packed B panel: the same fused multiply-add chain per element as tile(), only A is read in place.
 * Rows past mv read row 0 again (their sums are dropped), so nothing outside A is touched.
 */
template <int ROWS, int NVEC, bool TRANS>
static inline __attribute__((always_inline)) void tile_direct(int kc, const float* a, int64_t lda,
                                                              const float* __restrict bp, float* c,
                                                              int64_t ldc, int mv, int nv, const Epilogue& e,
                                                              const float* bias) {
  prefetch_tile<ROWS>(c, ldc, mv, nv);
  vf acc[ROWS][NVEC];
#pragma GCC unroll 32
  for (int r = 0; r < ROWS; r++)
#pragma GCC unroll 4
    for (int v = 0; v < NVEC; v++) acc[r][v] = splat(0.0f);
  if (TRANS && mv == ROWS) {
    // op(A)(r, p) = a[p·lda + r]: the tile's rows side by side in one row of a.
    chains<ROWS, NVEC>(kc, bp, acc, [=](int r, int p) { return a[p * lda + r]; });
  } else if (TRANS) {
    int64_t off[ROWS];
    for (int r = 0; r < ROWS; r++) off[r] = r < mv ? r : 0;
    chains<ROWS, NVEC>(kc, bp, acc, [&](int r, int p) { return a[p * lda + off[r]]; });
  } else {
    // op(A)(r, p) = a[r·lda + p]: each row of the tile is a row of a.
    const float* rows[ROWS];
    for (int r = 0; r < ROWS; r++) rows[r] = a + (r < mv ? r : 0) * lda;
    chains<ROWS, NVEC>(kc, bp, acc, [&](int r, int p) { return rows[r][p]; });
  }
  write_tile<ROWS, NVEC>(acc, c, ldc, mv, nv, e, bias);
}

template <bool TRANS>
static void narrow_rows(int mc, int nc, int kc, const float* a, int64_t lda, const float* bp, float* c,
                        int64_t ldc, const Epilogue& e) {
  // One vector of B covers the row when nc ≤ W: twice the rows per tile instead of a half-empty
  // second vector.
  const auto step = [lda](int ir) { return TRANS ? static_cast<int64_t>(ir) : ir * lda; };
  if (nc <= W) {
    constexpr int ROWS = 2 * MR;
    for (int ir = 0; ir < mc; ir += ROWS)
      tile_direct<ROWS, 1, TRANS>(kc, a + step(ir), lda, bp, c + ir * ldc, ldc, imin(ROWS, mc - ir), nc, e, e.bias);
    return;
  }
  for (int ir = 0; ir < mc; ir += MR)
    tile_direct<MR, NV, TRANS>(kc, a + step(ir), lda, bp, c + ir * ldc, ldc, imin(MR, mc - ir), nc, e, e.bias);
}

/**
 * C[0..mc, 0..nc), nc ≤ NR (LoRA's rank-r products), from A as stored (a at op(A)(0, 0) of the block)
 * and one packed B panel. With a single column panel each element of A is used once, so packing A
 * would only copy it.
 */
static void narrow(int mc, int nc, int kc, const float* a, int64_t lda, bool trans, const float* bp, float* c,
                   int64_t ldc, const Epilogue& e) {
  if (trans) narrow_rows<true>(mc, nc, kc, a, lda, bp, c, ldc, e);
  else narrow_rows<false>(mc, nc, kc, a, lda, bp, c, ldc, e);
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
