// Every kernel of one ISA, compiled once per ISA: isa-avx512.cc, isa-avx2.cc and isa-generic.cc each
// include this file inside their own namespace, with their own -m flags (binding.gyp). The loops
// over threads are ISA-free (gemm.cc, elementwise.cc); these functions each cover one task's range.

#include <cmath>
#include <cstdint>
#include <cstring>
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#endif

#include "isa.h"

namespace lora {
namespace LORA_ISA {

#include "simd.h"
#include "pack.h"
#include "math-impl.h"
#include "gemm-impl.h"

// GELU's chain per element is ~95 vector operations and ~170 cycles deep, more than the out-of-order
// window overlaps. So a block of elements goes through two passes: erfc's division and polynomial
// first, parked in two small buffers that stay in L1, then the exponentials and the rest; and each
// pass works on Packs of kGeluPack vectors, whose chains run side by side. Measured against one pass
// of four vectors in a row: forward −35 %, backward −25 % on Zen 3 (AVX2). Same operations per lane.
constexpr int kGeluPack = 4;
constexpr int64_t kGeluBlock = 32 * W;

/** t and erfc's polynomial of n elements (n a multiple of kGeluPack·W). */
static inline void erfc_parts(const float* x, int64_t n, float* ts, float* polys) {
  for (int64_t j = 0; j < n; j += kGeluPack * W) {
    const Pack<kGeluPack> t = erfc_t(pack_load<kGeluPack>(x + j));
    pack_store(ts + j, t);
    pack_store(polys + j, erfc_poly(t));
  }
}

/** gelu of one vector, in one pass (the elements after the last whole block). */
static inline vf gelu_one(vf x) {
  const Pack<1> xv{{x}};
  const Pack<1> t = erfc_t(xv);
  return gelu_value(xv, t, erfc_poly(t)).v[0];
}

static void gelu(const float* x, float* y, int64_t n) {
  alignas(64) float ts[kGeluBlock];
  alignas(64) float polys[kGeluBlock];
  int64_t i = 0;
  for (; i + kGeluBlock <= n; i += kGeluBlock) {
    erfc_parts(x + i, kGeluBlock, ts, polys);
    for (int64_t j = 0; j < kGeluBlock; j += kGeluPack * W) {
      const Pack<kGeluPack> xv = pack_load<kGeluPack>(x + i + j);
      pack_store(y + i + j, gelu_value(xv, pack_load<kGeluPack>(ts + j), pack_load<kGeluPack>(polys + j)));
    }
  }
  for (; i + W <= n; i += W) store(y + i, gelu_one(load(x + i)));
  if (i < n) store_partial(y + i, gelu_one(load_partial(x + i, n - i, 0.0f)), n - i);
}

/** dy · gelu'(x) for one vector, in one pass. */
static inline vf gelu_backward_one(vf x, vf dy) {
  const Pack<1> xv{{x}};
  const Pack<1> t = erfc_t(xv);
  return dy * gelu_grad(xv, t, erfc_poly(t)).v[0];
}

template <bool ACC>
static void gelu_backward_blocks(const float* x, const float* dy, float* dx, int64_t n) {
  alignas(64) float ts[kGeluBlock];
  alignas(64) float polys[kGeluBlock];
  for (int64_t i = 0; i + kGeluBlock <= n; i += kGeluBlock) {
    erfc_parts(x + i, kGeluBlock, ts, polys);
    for (int64_t j = 0; j < kGeluBlock; j += kGeluPack * W) {
      const Pack<kGeluPack> xv = pack_load<kGeluPack>(x + i + j);
      const Pack<kGeluPack> g = pack_load<kGeluPack>(dy + i + j) *
                                gelu_grad(xv, pack_load<kGeluPack>(ts + j), pack_load<kGeluPack>(polys + j));
      pack_store(dx + i + j, ACC ? pack_load<kGeluPack>(dx + i + j) + g : g);
    }
  }
}

static void gelu_backward(const float* x, const float* dy, float* dx, int64_t n, bool acc) {
  const int64_t blocked = n / kGeluBlock * kGeluBlock;
  if (acc) gelu_backward_blocks<true>(x, dy, dx, blocked);
  else gelu_backward_blocks<false>(x, dy, dx, blocked);
  int64_t i = blocked;
  for (; i + W <= n; i += W) {
    const vf g = gelu_backward_one(load(x + i), load(dy + i));
    store(dx + i, acc ? load(dx + i) + g : g);
  }
  if (i < n) {
    const int64_t c = n - i;
    const vf d = gelu_backward_one(load_partial(x + i, c, 0.0f), load_partial(dy + i, c, 0.0f));
    store_partial(dx + i, acc ? load_partial(dx + i, c, 0.0f) + d : d, c);
  }
}

static void softmax(const float* x, float* y, const float* bias, int64_t rows_per_bias, int64_t r0, int64_t r1,
                    int64_t cols) {
  const float inf = INFINITY;
  for (int64_t r = r0; r < r1; r++) {
    const float* xr = x + r * cols;
    float* yr = y + r * cols;
    const float* br = bias ? bias + (r / rows_per_bias) * cols : nullptr;
    vf mv = splat(-inf);
    int64_t c = 0;
    for (; c + W <= cols; c += W) {
      vf v = load(xr + c);
      if (br) v += load(br + c);
      store(yr + c, v);
      mv = vmax(mv, v);
    }
    float mx = hmax(mv);
    for (; c < cols; c++) {
      const float v = br ? xr[c] + br[c] : xr[c];
      yr[c] = v;
      mx = v > mx ? v : mx;
    }
    const vf m = splat(mx);
    vf sv = splat(0.0f);
    c = 0;
    for (; c + W <= cols; c += W) {
      const vf e = vexp(load(yr + c) - m);
      store(yr + c, e);
      sv += e;
    }
    if (c < cols) {
      // Missing lanes are −inf: e^−inf is an exact 0, so they add nothing to the sum.
      const vf e = vexp(load_partial(yr + c, cols - c, -inf) - m);
      store_partial(yr + c, e, cols - c);
      sv += e;
    }
    const vf inv = splat(1.0f / hsum(sv));
    for (c = 0; c + W <= cols; c += W) store(yr + c, load(yr + c) * inv);
    for (; c < cols; c++) yr[c] *= inv[0];
  }
}

static void softmax_backward(const float* y, const float* dy, float* dx, int64_t r0, int64_t r1, int64_t cols,
                             bool acc) {
  for (int64_t r = r0; r < r1; r++) {
    const float* yr = y + r * cols;
    const float* dyr = dy + r * cols;
    float* dxr = dx + r * cols;
    vf dv = splat(0.0f);
    int64_t c = 0;
    for (; c + W <= cols; c += W) dv += load(dyr + c) * load(yr + c);
    float dot = hsum(dv);
    for (; c < cols; c++) dot += dyr[c] * yr[c];
    const vf d = splat(dot);
    for (c = 0; c + W <= cols; c += W) {
      const vf g = load(yr + c) * (load(dyr + c) - d);
      store(dxr + c, acc ? load(dxr + c) + g : g);
    }
    for (; c < cols; c++) {
      const float g = yr[c] * (dyr[c] - dot);
      dxr[c] = acc ? dxr[c] + g : g;
    }
  }
}

// The row-wise reductions (a row's sum, its squared deviations, layer norm backward's two dot
// products) are chains of dependent adds, one vector apart, that a row must run in order. So rows go
// in pairs, each with its own chains, interleaved: every row's sums are the same as alone.
constexpr int kRowPair = 2;

/** Layer norm of rows r..r+R. */
template <int R>
static inline void layer_norm_rows(const float* x, const float* gamma, const float* beta, float* y,
                                   float* mean_out, float* rstd_out, float eps, int64_t r, int64_t cols) {
  const float* xr[R];
  for (int k = 0; k < R; k++) xr[k] = x + (r + k) * cols;
  vf sv[R];
  for (int k = 0; k < R; k++) sv[k] = splat(0.0f);
  int64_t c = 0;
  for (; c + W <= cols; c += W)
    for (int k = 0; k < R; k++) sv[k] += load(xr[k] + c);
  const int64_t tail = c;
  float mean[R];
  for (int k = 0; k < R; k++) {
    float sum = hsum(sv[k]);
    for (c = tail; c < cols; c++) sum += xr[k][c];
    mean[k] = sum / static_cast<float>(cols);
  }
  vf mv[R];
  vf qv[R];
  for (int k = 0; k < R; k++) {
    mv[k] = splat(mean[k]);
    qv[k] = splat(0.0f);
  }
  for (c = 0; c + W <= cols; c += W)
    for (int k = 0; k < R; k++) {
      const vf d = load(xr[k] + c) - mv[k];
      qv[k] += d * d;
    }
  for (int k = 0; k < R; k++) {
    float q = hsum(qv[k]);
    for (c = tail; c < cols; c++) {
      const float d = xr[k][c] - mean[k];
      q += d * d;
    }
    const float rstd = static_cast<float>(1.0 / std::sqrt(static_cast<double>(q) / cols + eps));
    mean_out[r + k] = mean[k];
    rstd_out[r + k] = rstd;
    float* yr = y + (r + k) * cols;
    const vf rv = splat(rstd);
    for (c = 0; c + W <= cols; c += W)
      store(yr + c, (load(xr[k] + c) - mv[k]) * rv * load(gamma + c) + load(beta + c));
    for (; c < cols; c++) yr[c] = (xr[k][c] - mean[k]) * rstd * gamma[c] + beta[c];
  }
}

static void layer_norm(const float* x, const float* gamma, const float* beta, float* y, float* mean_out,
                       float* rstd_out, float eps, int64_t r0, int64_t r1, int64_t cols) {
  int64_t r = r0;
  for (; r + kRowPair <= r1; r += kRowPair)
    layer_norm_rows<kRowPair>(x, gamma, beta, y, mean_out, rstd_out, eps, r, cols);
  for (; r < r1; r++) layer_norm_rows<1>(x, gamma, beta, y, mean_out, rstd_out, eps, r, cols);
}

/** dx of rows r..r+R (overwritten or added to). */
template <int R>
static inline void layer_norm_dx_rows(const float* x, const float* gamma, const float* mean_in,
                                      const float* rstd_in, const float* dy, float* dx, bool acc, int64_t r,
                                      int64_t cols) {
  const float inv_cols = 1.0f / static_cast<float>(cols);
  const float* xr[R];
  const float* dyr[R];
  vf mean[R];
  vf rstd[R];
  vf gs[R];
  vf gx[R];
  for (int k = 0; k < R; k++) {
    xr[k] = x + (r + k) * cols;
    dyr[k] = dy + (r + k) * cols;
    mean[k] = splat(mean_in[r + k]);
    rstd[k] = splat(rstd_in[r + k]);
    gs[k] = splat(0.0f);
    gx[k] = splat(0.0f);
  }
  int64_t c = 0;
  for (; c + W <= cols; c += W)
    for (int k = 0; k < R; k++) {
      const vf g = load(dyr[k] + c) * load(gamma + c);
      gs[k] += g;
      gx[k] += g * ((load(xr[k] + c) - mean[k]) * rstd[k]);
    }
  const int64_t tail = c;
  for (int k = 0; k < R; k++) {
    float sum_g = hsum(gs[k]);
    float sum_gx = hsum(gx[k]);
    for (c = tail; c < cols; c++) {
      const float g = dyr[k][c] * gamma[c];
      sum_g += g;
      sum_gx += g * ((xr[k][c] - mean[k][0]) * rstd[k][0]);
    }
    const vf mg = splat(sum_g * inv_cols);
    const vf mgx = splat(sum_gx * inv_cols);
    float* dxr = dx + (r + k) * cols;
    for (c = 0; c + W <= cols; c += W) {
      const vf xhat = (load(xr[k] + c) - mean[k]) * rstd[k];
      const vf d = rstd[k] * (load(dyr[k] + c) * load(gamma + c) - mg - xhat * mgx);
      store(dxr + c, acc ? load(dxr + c) + d : d);
    }
    for (; c < cols; c++) {
      const float xhat = (xr[k][c] - mean[k][0]) * rstd[k][0];
      const float d = rstd[k][0] * (dyr[k][c] * gamma[c] - mg[0] - xhat * mgx[0]);
      dxr[c] = acc ? dxr[c] + d : d;
    }
  }
}

static void layer_norm_dx(const float* x, const float* gamma, const float* mean_in, const float* rstd_in,
                          const float* dy, float* dx, bool acc, int64_t r0, int64_t r1, int64_t cols) {
  int64_t r = r0;
  for (; r + kRowPair <= r1; r += kRowPair)
    layer_norm_dx_rows<kRowPair>(x, gamma, mean_in, rstd_in, dy, dx, acc, r, cols);
  for (; r < r1; r++) layer_norm_dx_rows<1>(x, gamma, mean_in, rstd_in, dy, dx, acc, r, cols);
}

/**
 * dgamma, dbeta for V whole vectors of columns from c, each column summed down all rows in row order.
 * V columns' sums side by side: one alone is a chain of dependent adds, one row apart.
 */
template <int V>
static inline void layer_norm_dparams_vectors(const float* x, const float* mean_in, const float* rstd_in,
                                              const float* dy, float* dgamma, float* dbeta, int64_t rows,
                                              int64_t cols, int64_t c) {
  vf sg[V];
  vf sb[V];
  for (int k = 0; k < V; k++) sg[k] = sb[k] = splat(0.0f);
  for (int64_t r = 0; r < rows; r++) {
    const float* xr = x + r * cols + c;
    const float* dyr = dy + r * cols + c;
#pragma GCC unroll 4
    for (int k = 0; k < V; k++) {
      const vf d = load(dyr + k * W);
      sg[k] += d * ((load(xr + k * W) - mean_in[r]) * rstd_in[r]);
      sb[k] += d;
    }
  }
  for (int k = 0; k < V; k++) {
    if (dgamma) store(dgamma + c + k * W, load(dgamma + c + k * W) + sg[k]);
    if (dbeta) store(dbeta + c + k * W, load(dbeta + c + k * W) + sb[k]);
  }
}

/** The columns c0..c1 one vector at a time (the last one partial). */
static void layer_norm_dparams_each(const float* x, const float* mean_in, const float* rstd_in, const float* dy,
                                    float* dgamma, float* dbeta, int64_t rows, int64_t cols, int64_t c0,
                                    int64_t c1) {
  for (int64_t c = c0; c < c1; c += W) {
    const int64_t width = c1 - c < W ? c1 - c : W;
    vf sg = splat(0.0f);
    vf sb = splat(0.0f);
    for (int64_t r = 0; r < rows; r++) {
      const float* xr = x + r * cols + c;
      const float* dyr = dy + r * cols + c;
      const vf d = width == W ? load(dyr) : load_partial(dyr, width, 0.0f);
      const vf xv = width == W ? load(xr) : load_partial(xr, width, 0.0f);
      sg += d * ((xv - mean_in[r]) * rstd_in[r]);
      sb += d;
    }
    if (dgamma) {
      if (width == W) store(dgamma + c, load(dgamma + c) + sg);
      else store_partial(dgamma + c, load_partial(dgamma + c, width, 0.0f) + sg, width);
    }
    if (dbeta) {
      if (width == W) store(dbeta + c, load(dbeta + c) + sb);
      else store_partial(dbeta + c, load_partial(dbeta + c, width, 0.0f) + sb, width);
    }
  }
}

static void layer_norm_dparams(const float* x, const float* mean_in, const float* rstd_in, const float* dy,
                               float* dgamma, float* dbeta, int64_t rows, int64_t cols, int64_t c0, int64_t c1) {
  int64_t c = c0;
  for (; c + 4 * W <= c1; c += 4 * W)
    layer_norm_dparams_vectors<4>(x, mean_in, rstd_in, dy, dgamma, dbeta, rows, cols, c);
  layer_norm_dparams_each(x, mean_in, rstd_in, dy, dgamma, dbeta, rows, cols, c, c1);
}

/** The "lowbias32" integer hash (reference/dropout.ts), one lane per element. */
static inline vu mix32(vu x) {
  x ^= x >> 16;
  x *= 0x7feb352du;
  x ^= x >> 15;
  x *= 0x846ca68bu;
  x ^= x >> 16;
  return x;
}

// Four vectors a step, the index vector carried from step to step: the hash's multiplies and shifts
// of four vectors overlap, and no step rebuilds its indices from i (−10 % on Zen 3). The same keep
// bits as element by element: the indices wrap at 2^32 either way.
constexpr int kDropoutPack = 4;

template <bool ACC>
static inline void dropout_vector(const float* x, float* y, vu idx, uint32_t seed1, vu thresholdV, vf s,
                                  int64_t c) {
  const vu h = mix32(mix32(idx) ^ seed1);
  const vi keep = (h >> 8) >= thresholdV;
  const vf xv = c == W ? load(x) : load_partial(x, c, 0.0f);
  const vf v = keep ? xv * s : splat(0.0f);
  vf out = v;
  if (ACC) out = (c == W ? load(y) : load_partial(y, c, 0.0f)) + v;
  if (c == W) store(y, out);
  else store_partial(y, out, c);
}

template <bool ACC>
static void dropout_range(const float* x, float* y, uint32_t seed0, uint32_t seed1, uint32_t threshold,
                          float scale, int64_t i0, int64_t i1) {
  vu lane;
  for (int l = 0; l < W; l++) lane[l] = static_cast<uint32_t>(l);
  const vu zero = {};
  const vu thresholdV = zero + threshold;
  const vf s = splat(scale);
  // Index arithmetic wraps at 2^32 exactly as the reference's (i + seed0) | 0 does.
  vu idx = lane + static_cast<uint32_t>(i0) + seed0;
  int64_t i = i0;
  for (; i + kDropoutPack * W <= i1; i += kDropoutPack * W) {
#pragma GCC unroll 4
    for (int k = 0; k < kDropoutPack; k++)
      dropout_vector<ACC>(x + i + k * W, y + i + k * W, idx + static_cast<uint32_t>(k * W), seed1, thresholdV, s, W);
    idx += static_cast<uint32_t>(kDropoutPack * W);
  }
  for (; i < i1; i += W) {
    dropout_vector<ACC>(x + i, y + i, idx, seed1, thresholdV, s, i1 - i < W ? i1 - i : W);
    idx += static_cast<uint32_t>(W);
  }
}

static void dropout(const float* x, float* y, uint32_t seed0, uint32_t seed1, uint32_t threshold, float scale,
                    bool acc, int64_t i0, int64_t i1) {
  if (acc) dropout_range<true>(x, y, seed0, seed1, threshold, scale, i0, i1);
  else dropout_range<false>(x, y, seed0, seed1, threshold, scale, i0, i1);
}

static void add(const float* a, const float* b, float* y, int64_t n) {
  int64_t i = 0;
  for (; i + W <= n; i += W) store(y + i, load(a + i) + load(b + i));
  for (; i < n; i++) y[i] = a[i] + b[i];
}

static void sum_rows_block(const float* x, int64_t r0, int64_t r1, int64_t cols, float* partial) {
  int64_t c = 0;
  for (; c + W <= cols; c += W) {
    vf s = splat(0.0f);
    for (int64_t r = r0; r < r1; r++) s += load(x + r * cols + c);
    store(partial + c, s);
  }
  for (; c < cols; c++) {
    float s = 0.0f;
    for (int64_t r = r0; r < r1; r++) s += x[r * cols + c];
    partial[c] = s;
  }
}

/**
 * hyper: decay (1 − lr·wd), beta1, 1 − beta1, beta2, 1 − beta2, stepSize (lr / (1 − beta1^t)),
 * bc2Sqrt (√(1 − beta2^t)), eps; the same float arithmetic as the WebAssembly kernel.
 */
static void adamw(float* param, const float* grad, float* mom, float* vel, const float* h, int64_t n) {
  const float decay = h[0], b1 = h[1], ob1 = h[2], b2 = h[3], ob2 = h[4], step = h[5], bc2 = h[6], eps = h[7];
  int64_t i = 0;
  for (; i + W <= n; i += W) {
    const vf g = load(grad + i);
    const vf p = load(param + i) * decay;
    const vf m = splat(b1) * load(mom + i) + splat(ob1) * g;
    const vf v = splat(b2) * load(vel + i) + (splat(ob2) * g) * g;
    const vf denom = vsqrt(v) / bc2 + eps;
    store(param + i, p - (splat(step) * m) / denom);
    store(mom + i, m);
    store(vel + i, v);
  }
  for (; i < n; i++) {
    const float g = grad[i];
    const float p = param[i] * decay;
    const float m = b1 * mom[i] + ob1 * g;
    const float v = b2 * vel[i] + (ob2 * g) * g;
    const float denom = std::sqrt(v) / bc2 + eps;
    param[i] = p - (step * m) / denom;
    mom[i] = m;
    vel[i] = v;
  }
}

static void embedding_backward_cols(const int32_t* ids, const float* d_out, float* d_table, int64_t count,
                                    int64_t dim, int64_t c0, int64_t c1) {
  for (int64_t i = 0; i < count; i++) {
    float* dst = d_table + static_cast<int64_t>(ids[i]) * dim;
    const float* src = d_out + i * dim;
    int64_t c = c0;
    for (; c + W <= c1; c += W) store(dst + c, load(dst + c) + load(src + c));
    for (; c < c1; c++) dst[c] += src[c];
  }
}

static const Isa kTable = {
    LORA_ISA_NAME,
    {MR, NR, KC, MC, NC},
    pack_a,
    pack_b,
    macro,
    narrow,
    gelu,
    gelu_backward,
    softmax,
    softmax_backward,
    layer_norm,
    layer_norm_dx,
    layer_norm_dparams,
    dropout,
    add,
    sum_rows_block,
    adamw,
    embedding_backward_cols,
    peak_loop,
};

#if LORA_W == 16
// The row-wise reductions (softmax's sum, layer norm's mean, variance and backward dot products) are
// the AVX2 build's: their partial sums are 8 lanes wide there, 16 here, which rounds differently. With
// them (and the GEMM's kc, see gemm-impl.h) a training run gives the same bits on either instruction
// set, so results reproduce across x86 machines (checked: native-elementwise-ab --old-isa avx2).
const Isa* table() {
  static const Isa mixed = [] {
    Isa t = kTable;
    const Isa* eight = avx2::table();
    t.softmax = eight->softmax;
    t.softmax_backward = eight->softmax_backward;
    t.layer_norm = eight->layer_norm;
    t.layer_norm_dx = eight->layer_norm_dx;
    t.layer_norm_dparams = eight->layer_norm_dparams;
    return t;
  }();
  return &mixed;
}
#else
const Isa* table() { return &kTable; }
#endif

}  // namespace LORA_ISA
}  // namespace lora
