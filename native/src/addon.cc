// The N-API face of the native kernels (src/kernels/native/ is the other side). Arrays arrive as the
// typed arrays the tensors own and are used in place: N-API hands out the pointer to their memory,
// which cannot move or be freed while this synchronous call runs. Scalars travel in a Float64Array
// shared with JavaScript at creation (the `params` slots, documented per function in
// src/kernels/native/index.ts), which costs far less than passing each one as an argument.
#define NAPI_VERSION 8
#include <node_api.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <vector>

#include "gemm.h"
#include "isa.h"
#include "pool.h"

namespace lora {
namespace {

constexpr size_t kParamSlots = 64;

struct Context {
  Pool* pool;
  const Isa* isa;
  double* params;
};

void finalize_context(napi_env, void* data, void*) {
  Context* ctx = static_cast<Context*>(data);
  delete ctx->pool;
  delete ctx;
}

void finalize_params(napi_env, void* data, void*) { delete[] static_cast<double*>(data); }

napi_value undefined(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

/** The call's arguments; the first is the context. Throws (returns false) on a bad call. */
struct Call {
  napi_env env;
  size_t argc = 10;
  napi_value argv[10];
  Context* ctx = nullptr;

  Call(napi_env e, napi_callback_info info) : env(e) {
    napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
    void* p = nullptr;
    if (argc < 1 || napi_get_value_external(env, argv[0], &p) != napi_ok || !p) {
      napi_throw_type_error(env, nullptr, "The native kernels were called without their context.");
      return;
    }
    ctx = static_cast<Context*>(p);
    if (!ctx->pool) {
      napi_throw_error(env, nullptr, "The kernel backend was disposed.");
      ctx = nullptr;
    }
  }
  bool ok() const { return ctx != nullptr; }
  double param(int i) const { return ctx->params[i]; }
  int64_t iparam(int i) const { return static_cast<int64_t>(ctx->params[i]); }
  int threads(int i) const { return static_cast<int>(ctx->params[i]); }

  /** Argument i as a typed array of `type`; nullptr for null/undefined when `optional`. */
  void* array(size_t i, napi_typedarray_type type, bool optional = false) {
    if (!ctx) return nullptr;
    napi_valuetype vt = napi_undefined;
    if (i < argc) napi_typeof(env, argv[i], &vt);
    if (optional && (vt == napi_null || vt == napi_undefined)) return nullptr;
    napi_typedarray_type t;
    size_t length;
    void* data = nullptr;
    napi_value buffer;
    size_t offset;
    bool is = false;
    if (i < argc) napi_is_typedarray(env, argv[i], &is);
    if (!is || napi_get_typedarray_info(env, argv[i], &t, &length, &data, &buffer, &offset) != napi_ok ||
        t != type) {
      napi_throw_type_error(env, nullptr, "A native kernel got an argument of the wrong type.");
      ctx = nullptr;
      return nullptr;
    }
    // An empty array may have no memory at all; kernels never touch it then.
    static float empty[1];
    return data ? data : empty;
  }
  float* f32(size_t i, bool optional = false) { return static_cast<float*>(array(i, napi_float32_array, optional)); }
};

int64_t chunk_size(int64_t total, int threads, int64_t min_chunk) {
  if (threads <= 1) return std::max<int64_t>(total, 1);
  const int64_t chunk = std::max(min_chunk, (total + threads * 4 - 1) / (threads * 4));
  return (chunk + 63) / 64 * 64;
}

/** Runs f(start, end) over [0, total) in chunks on the context's threads. */
template <class F>
void chunked(Context* ctx, int threads, int64_t total, int64_t min_chunk, F&& f) {
  const int64_t chunk = chunk_size(total, threads, min_chunk);
  parallel_tasks(*ctx->pool, threads, (total + chunk - 1) / chunk,
                 [&](int64_t t) { f(t * chunk, std::min(total, (t + 1) * chunk)); });
}

/** Rows per task for the row-wise kernels: about four tasks per thread. */
template <class F>
void by_rows(Context* ctx, int threads, int64_t rows, F&& f) {
  const int64_t per = threads <= 1 ? std::max<int64_t>(rows, 1) : std::max<int64_t>(1, (rows + threads * 4 - 1) / (threads * 4));
  parallel_tasks(*ctx->pool, threads, (rows + per - 1) / per,
                 [&](int64_t t) { f(t * per, std::min(rows, (t + 1) * per)); });
}

/** Columns per task of the kernels that sum down all rows (fixed, so results never depend on threads). */
constexpr int64_t kStripCols = 64;
/** Rows per block of sumRows, whose block sums are added in block order. */
constexpr int64_t kSumRowsBlock = 128;

// createContext(threads, isa) → [context, params: ArrayBuffer of kParamSlots doubles]
napi_value CreateContext(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  int32_t threads = 1;
  char name[32] = {0};
  size_t len = 0;
  if (argc < 2 || napi_get_value_int32(env, argv[0], &threads) != napi_ok ||
      napi_get_value_string_utf8(env, argv[1], name, sizeof name, &len) != napi_ok || threads < 1 ||
      threads > 256) {
    napi_throw_type_error(env, nullptr, "createContext(threads, isa) got bad arguments.");
    return nullptr;
  }
  const Isa* isa = find_isa(name);
  if (!isa) {
    napi_throw_error(env, nullptr, "This CPU does not run the requested instruction set.");
    return nullptr;
  }
  double* params = new double[kParamSlots]();
  Context* ctx = new Context{new Pool(threads), isa, params};
  napi_value ext, buffer, result;
  napi_create_external(env, ctx, finalize_context, nullptr, &ext);
  napi_create_external_arraybuffer(env, params, kParamSlots * sizeof(double), finalize_params, nullptr, &buffer);
  napi_create_array_with_length(env, 2, &result);
  napi_set_element(env, result, 0, ext);
  napi_set_element(env, result, 1, buffer);
  return result;
}

napi_value Dispose(napi_env env, napi_callback_info info) {
  Call c(env, info);
  if (c.ok()) {
    delete c.ctx->pool;
    c.ctx->pool = nullptr;
  } else {
    // Disposing twice is harmless.
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (pending) {
      napi_value e;
      napi_get_and_clear_last_exception(env, &e);
    }
  }
  return undefined(env);
}

napi_value IsaName(napi_env env, napi_callback_info info) {
  Call c(env, info);
  if (!c.ok()) return nullptr;
  napi_value s;
  napi_create_string_utf8(env, c.ctx->isa->name, NAPI_AUTO_LENGTH, &s);
  return s;
}

napi_value SupportedIsas(napi_env env, napi_callback_info) {
  napi_value s;
  napi_create_string_utf8(env, supported_isas(), NAPI_AUTO_LENGTH, &s);
  return s;
}

// gemm(ctx, a, b, c, bias?) params: batch m n k transA transB aOffset aStride aGroupStride bOffset bStride
// bGroupStride cOffset cStride cGroupStride lda ldb ldc group alpha beta biasOffset cLayout threads
napi_value Gemm(napi_env env, napi_callback_info info) {
  Call c(env, info);
  const float* a = c.f32(1);
  const float* b = c.f32(2);
  float* cc = c.f32(3);
  const float* bias = c.f32(4, true);
  if (!c.ok()) return nullptr;
  GemmArgs g;
  g.batch = c.iparam(0);
  g.m = c.iparam(1);
  g.n = c.iparam(2);
  g.k = c.iparam(3);
  g.trans_a = c.param(4) != 0;
  g.trans_b = c.param(5) != 0;
  g.a = a + c.iparam(6);
  g.a_stride = c.iparam(7);
  g.a_group_stride = c.iparam(8);
  g.b = b + c.iparam(9);
  g.b_stride = c.iparam(10);
  g.b_group_stride = c.iparam(11);
  g.c = cc + c.iparam(12);
  g.c_stride = c.iparam(13);
  g.c_group_stride = c.iparam(14);
  g.lda = c.iparam(15);
  g.ldb = c.iparam(16);
  g.ldc = c.iparam(17);
  g.group = c.iparam(18);
  g.alpha = static_cast<float>(c.param(19));
  g.beta = static_cast<float>(c.param(20));
  g.bias = bias ? bias + c.iparam(21) : nullptr;
  g.c_layout = static_cast<int>(c.param(22));
  g.threads = c.threads(23);
  gemm(*c.ctx->isa, *c.ctx->pool, g);
  return undefined(env);
}

// gelu(ctx, x, y) params: n threads
napi_value Gelu(napi_env env, napi_callback_info info) {
  Call c(env, info);
  const float* x = c.f32(1);
  float* y = c.f32(2);
  if (!c.ok()) return nullptr;
  const Isa* isa = c.ctx->isa;
  chunked(c.ctx, c.threads(1), c.iparam(0), 4096, [&](int64_t s, int64_t e) { isa->gelu(x + s, y + s, e - s); });
  return undefined(env);
}

// geluBackward(ctx, x, dy, dx) params: n accumulate threads
napi_value GeluBackward(napi_env env, napi_callback_info info) {
  Call c(env, info);
  const float* x = c.f32(1);
  const float* dy = c.f32(2);
  float* dx = c.f32(3);
  if (!c.ok()) return nullptr;
  const Isa* isa = c.ctx->isa;
  const bool acc = c.param(1) != 0;
  chunked(c.ctx, c.threads(2), c.iparam(0), 4096,
          [&](int64_t s, int64_t e) { isa->gelu_backward(x + s, dy + s, dx + s, e - s, acc); });
  return undefined(env);
}

// softmax(ctx, x, y, bias?) params: rows cols rowsPerBias threads
napi_value Softmax(napi_env env, napi_callback_info info) {
  Call c(env, info);
  const float* x = c.f32(1);
  float* y = c.f32(2);
  const float* bias = c.f32(3, true);
  if (!c.ok()) return nullptr;
  const Isa* isa = c.ctx->isa;
  const int64_t cols = c.iparam(1);
  const int64_t perBias = c.iparam(2);
  by_rows(c.ctx, c.threads(3), c.iparam(0),
          [&](int64_t r0, int64_t r1) { isa->softmax(x, y, bias, perBias, r0, r1, cols); });
  return undefined(env);
}

// softmaxBackward(ctx, y, dy, dx) params: rows cols accumulate threads
napi_value SoftmaxBackward(napi_env env, napi_callback_info info) {
  Call c(env, info);
  const float* y = c.f32(1);
  const float* dy = c.f32(2);
  float* dx = c.f32(3);
  if (!c.ok()) return nullptr;
  const Isa* isa = c.ctx->isa;
  const int64_t cols = c.iparam(1);
  const bool acc = c.param(2) != 0;
  by_rows(c.ctx, c.threads(3), c.iparam(0),
          [&](int64_t r0, int64_t r1) { isa->softmax_backward(y, dy, dx, r0, r1, cols, acc); });
  return undefined(env);
}

// layerNorm(ctx, x, gamma, beta, y, mean, rstd) params: rows cols eps threads
napi_value LayerNorm(napi_env env, napi_callback_info info) {
  Call c(env, info);
  const float* x = c.f32(1);
  const float* gamma = c.f32(2);
  const float* beta = c.f32(3);
  float* y = c.f32(4);
  float* mean = c.f32(5);
  float* rstd = c.f32(6);
  if (!c.ok()) return nullptr;
  const Isa* isa = c.ctx->isa;
  const int64_t cols = c.iparam(1);
  const float eps = static_cast<float>(c.param(2));
  by_rows(c.ctx, c.threads(3), c.iparam(0),
          [&](int64_t r0, int64_t r1) { isa->layer_norm(x, gamma, beta, y, mean, rstd, eps, r0, r1, cols); });
  return undefined(env);
}

// layerNormBackward(ctx, x, gamma, mean, rstd, dy, dx?, dgamma?, dbeta?) params: rows cols dxAccumulate threads
napi_value LayerNormBackward(napi_env env, napi_callback_info info) {
  Call c(env, info);
  const float* x = c.f32(1);
  const float* gamma = c.f32(2);
  const float* mean = c.f32(3);
  const float* rstd = c.f32(4);
  const float* dy = c.f32(5);
  float* dx = c.f32(6, true);
  float* dgamma = c.f32(7, true);
  float* dbeta = c.f32(8, true);
  if (!c.ok()) return nullptr;
  const Isa* isa = c.ctx->isa;
  const int64_t rows = c.iparam(0);
  const int64_t cols = c.iparam(1);
  const bool acc = c.param(2) != 0;
  const int threads = c.threads(3);
  // Tasks: row blocks for dx, then column strips for dgamma and dbeta (each down all rows).
  const int64_t perRows = threads <= 1 ? rows : std::max<int64_t>(1, (rows + threads * 4 - 1) / (threads * 4));
  const int64_t rowTasks = dx ? (rows + perRows - 1) / perRows : 0;
  const int64_t colTasks = dgamma || dbeta ? (cols + kStripCols - 1) / kStripCols : 0;
  parallel_tasks(*c.ctx->pool, threads, rowTasks + colTasks, [&](int64_t t) {
    if (t < rowTasks) {
      isa->layer_norm_dx(x, gamma, mean, rstd, dy, dx, acc, t * perRows, std::min(rows, (t + 1) * perRows), cols);
    } else {
      const int64_t c0 = (t - rowTasks) * kStripCols;
      isa->layer_norm_dparams(x, mean, rstd, dy, dgamma, dbeta, rows, cols, c0, std::min(cols, c0 + kStripCols));
    }
  });
  return undefined(env);
}

// embedding(ctx, ids, table, out) params: count dim threads (ids checked by the caller)
napi_value Embedding(napi_env env, napi_callback_info info) {
  Call c(env, info);
  const int32_t* ids = static_cast<const int32_t*>(c.array(1, napi_int32_array));
  const float* table = c.f32(2);
  float* out = c.f32(3);
  if (!c.ok()) return nullptr;
  const int64_t dim = c.iparam(1);
  by_rows(c.ctx, c.threads(2), c.iparam(0), [&](int64_t r0, int64_t r1) {
    for (int64_t i = r0; i < r1; i++)
      std::memcpy(out + i * dim, table + static_cast<int64_t>(ids[i]) * dim, dim * sizeof(float));
  });
  return undefined(env);
}

// embeddingBackward(ctx, ids, dOut, dTable) params: count dim threads
napi_value EmbeddingBackward(napi_env env, napi_callback_info info) {
  Call c(env, info);
  const int32_t* ids = static_cast<const int32_t*>(c.array(1, napi_int32_array));
  const float* dOut = c.f32(2);
  float* dTable = c.f32(3);
  if (!c.ok()) return nullptr;
  const Isa* isa = c.ctx->isa;
  const int64_t count = c.iparam(0);
  const int64_t dim = c.iparam(1);
  // Column strips down all ids in order: repeated ids add up in one task, never race.
  parallel_tasks(*c.ctx->pool, c.threads(2), (dim + kStripCols - 1) / kStripCols, [&](int64_t t) {
    const int64_t c0 = t * kStripCols;
    isa->embedding_backward_cols(ids, dOut, dTable, count, dim, c0, std::min(dim, c0 + kStripCols));
  });
  return undefined(env);
}

// dropout(ctx, x, y) params: n seed0 seed1 threshold scale accumulate threads
napi_value Dropout(napi_env env, napi_callback_info info) {
  Call c(env, info);
  const float* x = c.f32(1);
  float* y = c.f32(2);
  if (!c.ok()) return nullptr;
  const Isa* isa = c.ctx->isa;
  const uint32_t seed0 = static_cast<uint32_t>(static_cast<int64_t>(c.param(1)));
  const uint32_t seed1 = static_cast<uint32_t>(static_cast<int64_t>(c.param(2)));
  const uint32_t threshold = static_cast<uint32_t>(c.param(3));
  const float scale = static_cast<float>(c.param(4));
  const bool acc = c.param(5) != 0;
  chunked(c.ctx, c.threads(6), c.iparam(0), 8192,
          [&](int64_t s, int64_t e) { isa->dropout(x, y, seed0, seed1, threshold, scale, acc, s, e); });
  return undefined(env);
}

// add(ctx, a, b, y) params: n threads
napi_value Add(napi_env env, napi_callback_info info) {
  Call c(env, info);
  const float* a = c.f32(1);
  const float* b = c.f32(2);
  float* y = c.f32(3);
  if (!c.ok()) return nullptr;
  const Isa* isa = c.ctx->isa;
  chunked(c.ctx, c.threads(1), c.iparam(0), 16384, [&](int64_t s, int64_t e) { isa->add(a + s, b + s, y + s, e - s); });
  return undefined(env);
}

// sumRows(ctx, x, out) params: rows cols threads; out[j] += Σ_r x[r, j]
napi_value SumRows(napi_env env, napi_callback_info info) {
  Call c(env, info);
  const float* x = c.f32(1);
  float* out = c.f32(2);
  if (!c.ok()) return nullptr;
  const Isa* isa = c.ctx->isa;
  const int64_t rows = c.iparam(0);
  const int64_t cols = c.iparam(1);
  const int64_t blocks = (rows + kSumRowsBlock - 1) / kSumRowsBlock;
  std::vector<float> partial(static_cast<size_t>(blocks * cols));
  parallel_tasks(*c.ctx->pool, c.threads(2), blocks, [&](int64_t t) {
    const int64_t r0 = t * kSumRowsBlock;
    isa->sum_rows_block(x, r0, std::min(rows, r0 + kSumRowsBlock), cols, partial.data() + t * cols);
  });
  // The blocks' sums in block order, in double: the same result on any number of threads.
  std::vector<double> acc(static_cast<size_t>(cols), 0.0);
  for (int64_t t = 0; t < blocks; t++)
    for (int64_t j = 0; j < cols; j++) acc[j] += partial[t * cols + j];
  for (int64_t j = 0; j < cols; j++) out[j] = static_cast<float>(out[j] + acc[j]);
  return undefined(env);
}

// adamw(ctx, param, grad, m, v) params: n decay beta1 1−beta1 beta2 1−beta2 stepSize bc2Sqrt eps threads
napi_value AdamW(napi_env env, napi_callback_info info) {
  Call c(env, info);
  float* param = c.f32(1);
  const float* grad = c.f32(2);
  float* m = c.f32(3);
  float* v = c.f32(4);
  if (!c.ok()) return nullptr;
  const Isa* isa = c.ctx->isa;
  float hyper[8];
  for (int i = 0; i < 8; i++) hyper[i] = static_cast<float>(c.param(1 + i));
  chunked(c.ctx, c.threads(9), c.iparam(0), 16384,
          [&](int64_t s, int64_t e) { isa->adamw(param + s, grad + s, m + s, v + s, hyper, e - s); });
  return undefined(env);
}

// peak(ctx) params: threads iterations → GFLOP/s of the multiply-add loop on that many threads at once
napi_value Peak(napi_env env, napi_callback_info info) {
  Call c(env, info);
  if (!c.ok()) return nullptr;
  const Isa* isa = c.ctx->isa;
  const int threads = c.threads(0);
  const int64_t iterations = c.iparam(1);
  std::vector<float> sink(static_cast<size_t>(threads));
  std::vector<double> flops(static_cast<size_t>(threads));
  const auto t0 = std::chrono::steady_clock::now();
  parallel_tasks(*c.ctx->pool, threads, threads,
                 [&](int64_t t) { flops[t] = isa->peak_loop(iterations, &sink[t]); });
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  double total = 0;
  for (double f : flops) total += f;
  napi_value r;
  napi_create_double(env, total / seconds / 1e9, &r);
  return r;
}

}  // namespace
}  // namespace lora

NAPI_MODULE_INIT() {
  using namespace lora;
  const napi_property_descriptor props[] = {
      {"createContext", nullptr, CreateContext, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"dispose", nullptr, Dispose, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"isa", nullptr, IsaName, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"supportedIsas", nullptr, SupportedIsas, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"gemm", nullptr, Gemm, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"gelu", nullptr, Gelu, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"geluBackward", nullptr, GeluBackward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"softmax", nullptr, Softmax, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"softmaxBackward", nullptr, SoftmaxBackward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"layerNorm", nullptr, LayerNorm, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"layerNormBackward", nullptr, LayerNormBackward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"embedding", nullptr, Embedding, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"embeddingBackward", nullptr, EmbeddingBackward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"dropout", nullptr, Dropout, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"add", nullptr, Add, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"sumRows", nullptr, SumRows, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"adamw", nullptr, AdamW, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"peak", nullptr, Peak, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}
