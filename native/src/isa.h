// The kernels one instruction set provides. Each ISA's object file (isa-*.cc, compiled with its own
// -m flags) fills one table; dispatch.cc picks the best the running CPU supports, so the addon loads
// on any x86-64 CPU (and builds elsewhere with the generic table alone).
#pragma once

#include <cstdint>

namespace lora {

/** What the GEMM microkernel of an ISA wants: its register tile and cache blocking, in floats. */
struct GemmGeometry {
  int mr;  // rows of the register tile (broadcast from packed A)
  int nr;  // columns of the register tile (vectors of packed B)
  int kc;  // depth of one packed block (B micro-panel kc×nr stays in L1)
  int mc;  // rows of one packed A block (stays in L2)
  int nc;  // columns of one packed B panel (stays in L3)
};

/** How a tile's result is written: C = alpha·AB + bias + beta·C on the first k block, C += alpha·AB after. */
struct Epilogue {
  float alpha;
  float beta;
  const float* bias;  // at column 0 of the block, or null
  bool first;
};

struct Isa {
  const char* name;
  GemmGeometry gemm;
  /** Packs op(A)[i0..i0+mc, p0..p0+kc) into mr-row micro-panels, zero-padded. */
  void (*pack_a)(const float* a, int64_t lda, bool trans, int64_t i0, int mc, int64_t p0, int kc, float* out);
  /** Packs op(B)[p0..p0+kc, j0..j0+nc) into nr-column micro-panels, zero-padded. */
  void (*pack_b)(const float* b, int64_t ldb, bool trans, int64_t p0, int kc, int64_t j0, int nc, float* out);
  /** C[0..mc, 0..nc) (row pitch ldc) from packed blocks. */
  void (*macro)(int mc, int nc, int kc, const float* ap, const float* bp, float* c, int64_t ldc, const Epilogue& e);
  /**
   * C[0..mc, 0..nc), nc ≤ nr, from A as stored (a at op(A)(0, 0) of the block, row pitch lda, trans as
   * pack_a's) and one packed B panel: for products too narrow for packing A to pay.
   */
  void (*narrow)(int mc, int nc, int kc, const float* a, int64_t lda, bool trans, const float* bp, float* c,
                 int64_t ldc, const Epilogue& e);

  void (*gelu)(const float* x, float* y, int64_t n);
  void (*gelu_backward)(const float* x, const float* dy, float* dx, int64_t n, bool accumulate);
  void (*softmax)(const float* x, float* y, const float* bias, int64_t rows_per_bias, int64_t r0, int64_t r1,
                  int64_t cols);
  void (*softmax_backward)(const float* y, const float* dy, float* dx, int64_t r0, int64_t r1, int64_t cols,
                           bool accumulate);
  void (*layer_norm)(const float* x, const float* gamma, const float* beta, float* y, float* mean, float* rstd,
                     float eps, int64_t r0, int64_t r1, int64_t cols);
  /** dx for rows r0..r1 (overwritten or added to). */
  void (*layer_norm_dx)(const float* x, const float* gamma, const float* mean, const float* rstd,
                        const float* dy, float* dx, bool accumulate, int64_t r0, int64_t r1, int64_t cols);
  /** dgamma, dbeta (either may be null) for columns c0..c1, summed down all rows in row order. */
  void (*layer_norm_dparams)(const float* x, const float* mean, const float* rstd, const float* dy,
                             float* dgamma, float* dbeta, int64_t rows, int64_t cols, int64_t c0, int64_t c1);
  void (*dropout)(const float* x, float* y, uint32_t seed0, uint32_t seed1, uint32_t threshold, float scale,
                  bool accumulate, int64_t i0, int64_t i1);
  void (*add)(const float* a, const float* b, float* y, int64_t n);
  /** partial[c] = Σ x[r, c] over r0 ≤ r < r1, in row order. */
  void (*sum_rows_block)(const float* x, int64_t r0, int64_t r1, int64_t cols, float* partial);
  void (*adamw)(float* param, const float* grad, float* m, float* v, const float* hyper, int64_t n);
  /** dTable[ids[i], c0..c1) += dOut[i, c0..c1) for every i, in order. */
  void (*embedding_backward_cols)(const int32_t* ids, const float* d_out, float* d_table, int64_t count,
                                  int64_t dim, int64_t c0, int64_t c1);
  /** Runs a register-resident multiply-add loop; returns the flops it did (the loop's result is kept). */
  double (*peak_loop)(int64_t iterations, float* sink);
};

namespace generic {
const Isa* table();
}
#if defined(__x86_64__) || defined(_M_X64)
namespace avx2 {
const Isa* table();
}
namespace avx512 {
const Isa* table();
}
#endif

/** The table named `name` if this CPU runs it ("" or "best": the fastest that runs); null otherwise. */
const Isa* find_isa(const char* name);
/** Names of the tables this CPU runs, fastest first, comma-separated. */
const char* supported_isas();

}  // namespace lora
