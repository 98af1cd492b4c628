#pragma once

#include <cstdint>

#include "isa.h"
#include "pool.h"

namespace lora {

/** A GemmSpec (src/kernels/kernels.ts) with its layout resolved (gemm-layout.ts) and pointers at offset 0. */
struct GemmArgs {
  int64_t batch, m, n, k;
  bool trans_a, trans_b;
  const float* a;
  int64_t a_stride, a_group_stride, lda;
  const float* b;
  int64_t b_stride, b_group_stride, ldb;
  float* c;
  int64_t c_stride, c_group_stride, ldc;
  int64_t group;
  float alpha, beta;
  const float* bias;
  /** 0 disjoint, 1 all summed into one C, 2 overlapping (see GemmLayout.cLayout). */
  int c_layout;
  int threads;
};

void gemm(const Isa& isa, Pool& pool, const GemmArgs& g);

}  // namespace lora
