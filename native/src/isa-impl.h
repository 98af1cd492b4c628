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
#include "math-impl.h"
#include "gemm-impl.h"

// Four vectors per step in the transcendental loops: each one is a long dependent chain, and the
// CPU overlaps independent ones.
static void gelu(const float* x, float* y, int64_t n) {
  int64_t i = 0;
  for (; i + 4 * W <= n; i += 4 * W) {
    const vf y0 = gelu_value(load(x + i));
    const vf y1 = gelu_value(load(x + i + W));
    const vf y2 = gelu_value(load(x + i + 2 * W));
    const vf y3 = gelu_value(load(x + i + 3 * W));
    store(y + i, y0);
    store(y + i + W, y1);
    store(y + i + 2 * W, y2);
    store(y + i + 3 * W, y3);
  }
  for (; i + W <= n; i += W) store(y + i, gelu_value(load(x + i)));
  if (i < n) store_partial(y + i, gelu_value(load_partial(x + i, n - i, 0.0f)), n - i);
}

static inline vf gelu_backward_at(const float* x, const float* dy, const float* dx, int64_t i, bool acc) {
  const vf g = load(dy + i) * gelu_grad(load(x + i));
  return acc ? load(dx + i) + g : g;
}

static void gelu_backward(const float* x, const float* dy, float* dx, int64_t n, bool acc) {
  int64_t i = 0;
  for (; i + 4 * W <= n; i += 4 * W) {
    const vf d0 = gelu_backward_at(x, dy, dx, i, acc);
    const vf d1 = gelu_backward_at(x, dy, dx, i + W, acc);
    const vf d2 = gelu_backward_at(x, dy, dx, i + 2 * W, acc);
    const vf d3 = gelu_backward_at(x, dy, dx, i + 3 * W, acc);
    store(dx + i, d0);
    store(dx + i + W, d1);
    store(dx + i + 2 * W, d2);
    store(dx + i + 3 * W, d3);
  }
  for (; i + W <= n; i += W) store(dx + i, gelu_backward_at(x, dy, dx, i, acc));
  if (i < n) {
    const int64_t c = n - i;
    const vf d = load_partial(dy + i, c, 0.0f) * gelu_grad(load_partial(x + i, c, 0.0f));
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

static void layer_norm(const float* x, const float* gamma, const float* beta, float* y, float* mean_out,
                       float* rstd_out, float eps, int64_t r0, int64_t r1, int64_t cols) {
  for (int64_t r = r0; r < r1; r++) {
    const float* xr = x + r * cols;
    float* yr = y + r * cols;
    vf sv = splat(0.0f);
    int64_t c = 0;
    for (; c + W <= cols; c += W) sv += load(xr + c);
    float sum = hsum(sv);
    for (; c < cols; c++) sum += xr[c];
    const float mean = sum / static_cast<float>(cols);
    const vf mv = splat(mean);
    vf qv = splat(0.0f);
    for (c = 0; c + W <= cols; c += W) {
      const vf d = load(xr + c) - mv;
      qv += d * d;
    }
    float q = hsum(qv);
    for (; c < cols; c++) {
      const float d = xr[c] - mean;
      q += d * d;
    }
    const float rstd = static_cast<float>(1.0 / std::sqrt(static_cast<double>(q) / cols + eps));
    mean_out[r] = mean;
    rstd_out[r] = rstd;
    const vf rv = splat(rstd);
    for (c = 0; c + W <= cols; c += W)
      store(yr + c, (load(xr + c) - mv) * rv * load(gamma + c) + load(beta + c));
    for (; c < cols; c++) yr[c] = (xr[c] - mean) * rstd * gamma[c] + beta[c];
  }
}

static void layer_norm_dx(const float* x, const float* gamma, const float* mean_in, const float* rstd_in,
                          const float* dy, float* dx, bool acc, int64_t r0, int64_t r1, int64_t cols) {
  const float inv_cols = 1.0f / static_cast<float>(cols);
  for (int64_t r = r0; r < r1; r++) {
    const float* xr = x + r * cols;
    const float* dyr = dy + r * cols;
    float* dxr = dx + r * cols;
    const vf mean = splat(mean_in[r]);
    const vf rstd = splat(rstd_in[r]);
    vf gs = splat(0.0f);
    vf gx = splat(0.0f);
    int64_t c = 0;
    for (; c + W <= cols; c += W) {
      const vf g = load(dyr + c) * load(gamma + c);
      gs += g;
      gx += g * ((load(xr + c) - mean) * rstd);
    }
    float sum_g = hsum(gs);
    float sum_gx = hsum(gx);
    for (; c < cols; c++) {
      const float g = dyr[c] * gamma[c];
      sum_g += g;
      sum_gx += g * ((xr[c] - mean[0]) * rstd[0]);
    }
    const vf mg = splat(sum_g * inv_cols);
    const vf mgx = splat(sum_gx * inv_cols);
    for (c = 0; c + W <= cols; c += W) {
      const vf xhat = (load(xr + c) - mean) * rstd;
      const vf d = rstd * (load(dyr + c) * load(gamma + c) - mg - xhat * mgx);
      store(dxr + c, acc ? load(dxr + c) + d : d);
    }
    for (; c < cols; c++) {
      const float xhat = (xr[c] - mean[0]) * rstd[0];
      const float d = rstd[0] * (dyr[c] * gamma[c] - mg[0] - xhat * mgx[0]);
      dxr[c] = acc ? dxr[c] + d : d;
    }
  }
}

static void layer_norm_dparams(const float* x, const float* mean_in, const float* rstd_in, const float* dy,
                               float* dgamma, float* dbeta, int64_t rows, int64_t cols, int64_t c0, int64_t c1) {
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

/** The "lowbias32" integer hash (reference/dropout.ts), one lane per element. */
static inline vu mix32(vu x) {
  x ^= x >> 16;
  x *= 0x7feb352du;
  x ^= x >> 15;
  x *= 0x846ca68bu;
  x ^= x >> 16;
  return x;
}

static void dropout(const float* x, float* y, uint32_t seed0, uint32_t seed1, uint32_t threshold, float scale,
                    bool acc, int64_t i0, int64_t i1) {
  vu lane;
  for (int l = 0; l < W; l++) lane[l] = static_cast<uint32_t>(l);
  const vu zero = {};
  const vu thresholdV = zero + threshold;
  const vf s = splat(scale);
  for (int64_t i = i0; i < i1; i += W) {
    const int64_t c = i1 - i < W ? i1 - i : W;
    // Index arithmetic wraps at 2^32 exactly as the reference's (i + seed0) | 0 does.
    const vu idx = lane + static_cast<uint32_t>(i) + seed0;
    const vu h = mix32(mix32(idx) ^ seed1);
    const vi keep = (h >> 8) >= thresholdV;
    const vf xv = c == W ? load(x + i) : load_partial(x + i, c, 0.0f);
    const vf v = keep ? xv * s : splat(0.0f);
    vf out = v;
    if (acc) out = (c == W ? load(y + i) : load_partial(y + i, c, 0.0f)) + v;
    if (c == W) store(y + i, out);
    else store_partial(y + i, out, c);
  }
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

const Isa* table() { return &kTable; }

}  // namespace LORA_ISA
}  // namespace lora
