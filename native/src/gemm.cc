// The loops around an ISA's microkernel: cache blocking, packing buffers, and how a call is spread
// over threads. Every element of C is summed by one task in the same order (k in fixed blocks of kc,
// whatever the thread count), so results do not depend on how tasks fall to threads.
#include "gemm.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>

namespace lora {

namespace {

/** A 64-byte aligned float buffer that only grows. */
class Buffer {
 public:
  ~Buffer() { std::free(data_); }
  float* get(int64_t n) {
    if (n > capacity_) {
      std::free(data_);
      const size_t bytes = (static_cast<size_t>(n) * sizeof(float) + 63) & ~static_cast<size_t>(63);
      data_ = static_cast<float*>(std::aligned_alloc(64, bytes));
      capacity_ = data_ ? n : 0;
      if (!data_) std::abort();
    }
    return data_;
  }

 private:
  float* data_ = nullptr;
  int64_t capacity_ = 0;
};

/** Each thread's packed A block and private packed B panel. */
thread_local Buffer t_a;
thread_local Buffer t_b;
/** Which A block t_a holds in the shared-B mode: (step, ic); a step is one (product, jc, pc). */
thread_local uint64_t t_a_step = 0;
thread_local int64_t t_a_ic = -1;

std::atomic<uint64_t> g_step{0};
/** The B panel the threads share in the shared-B mode: the calling thread's, read by the workers. */
thread_local Buffer t_shared_b;

/** One product: C = alpha·op(A)·op(B) + bias + beta·C, pointers already at this matrix. */
struct Product {
  const float* a;
  const float* b;
  float* c;
};

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
int64_t round_up(int64_t a, int64_t b) { return ceil_div(a, b) * b; }

/** Rows per A block: at most mc, balanced so the last block is not a sliver. */
int64_t balanced_mc(const GemmGeometry& geo, int64_t m) {
  const int64_t blocks = ceil_div(m, geo.mc);
  return std::min<int64_t>(geo.mc, round_up(ceil_div(m, blocks), geo.mr));
}

/**
 * Rows per A block when `threads` threads take the blocks as tasks: a multiple of `threads` blocks,
 * of the size that wastes the fewest rows in the last one, so every thread ends a step with the
 * others (4096 rows on 2 threads: 32 blocks of 128 rows rather than 29 of 144, one thread's 15
 * against the other's 14).
 */
int64_t shared_mc(const GemmGeometry& geo, int64_t m, int threads) {
  // At least four blocks a thread, so that a thread held up by other work leaves its share to the
  // others, and no column strips: two tasks of one row block would each pack that A block.
  const int64_t first = round_up(std::max<int64_t>(ceil_div(m, geo.mc), 4 * threads), threads);
  int64_t best = 0;
  int64_t bestRows = 0;
  for (int64_t blocks = first; blocks <= first + 3 * threads; blocks += threads) {
    const int64_t mc = round_up(ceil_div(m, blocks), geo.mr);
    // Rows the threads are charged for: every block as long as the longest.
    const int64_t rows = ceil_div(m, mc) == blocks ? blocks * mc : INT64_MAX;
    if (best == 0 || rows < bestRows) {
      best = mc;
      bestRows = rows;
    }
  }
  return best;
}

/**
 * Rows [i0, i1) and columns [j0, j1) of one product by one thread, with its own packing: B packed
 * once per (jc, pc) for those columns, A packed per row block.
 */
void block_alone(const Isa& isa, const GemmArgs& g, const Product& p, int64_t i0, int64_t i1, int64_t j0,
                 int64_t j1) {
  const GemmGeometry& geo = isa.gemm;
  const int64_t mc = balanced_mc(geo, i1 - i0);
  const int64_t ncMax = std::min<int64_t>(geo.nc, round_up(j1 - j0, geo.nr));
  float* bp = t_b.get(static_cast<int64_t>(geo.kc) * ncMax);
  float* ap = t_a.get(static_cast<int64_t>(geo.kc) * round_up(mc, geo.mr));
  t_a_ic = -1;  // the shared-B mode's cache no longer describes t_a
  for (int64_t jc = j0; jc < j1; jc += geo.nc) {
    const int nc = static_cast<int>(std::min<int64_t>(geo.nc, j1 - jc));
    for (int64_t pc = 0; pc < g.k; pc += geo.kc) {
      const int kc = static_cast<int>(std::min<int64_t>(geo.kc, g.k - pc));
      isa.pack_b(p.b, g.ldb, g.trans_b, pc, kc, jc, nc, bp);
      const Epilogue e{g.alpha, g.beta, g.bias ? g.bias + jc : nullptr, pc == 0};
      for (int64_t ic = i0; ic < i1; ic += mc) {
        const int rows = static_cast<int>(std::min<int64_t>(mc, i1 - ic));
        isa.pack_a(p.a, g.lda, g.trans_a, ic, rows, pc, kc, ap);
        isa.macro(rows, nc, kc, ap, bp, p.c + ic * g.ldc + jc, g.ldc, e);
      }
    }
  }
}

/**
 * One product over `threads` threads, for C with many row blocks: each (jc, pc) step packs B once
 * into a shared panel (threads split the packing), then the threads take (row block, column strip)
 * tasks, each packing its own A block.
 */
void shared_b(const Isa& isa, Pool& pool, int threads, const GemmArgs& g, const Product& p) {
  const GemmGeometry& geo = isa.gemm;
  const int64_t mc = shared_mc(geo, g.m, threads);
  const int64_t mblocks = ceil_div(g.m, mc);
  const int64_t ncMax = std::min<int64_t>(geo.nc, round_up(g.n, geo.nr));
  float* bp = t_shared_b.get(static_cast<int64_t>(geo.kc) * ncMax);
  for (int64_t jc = 0; jc < g.n; jc += geo.nc) {
    const int nc = static_cast<int>(std::min<int64_t>(geo.nc, g.n - jc));
    const int64_t panels = ceil_div(nc, geo.nr);
    // Enough tasks that a thread finishing early finds more; strips of whole micro-panels.
    const int64_t strips = std::min<int64_t>(panels, std::max<int64_t>(1, ceil_div(4 * threads, mblocks)));
    const int64_t perStrip = ceil_div(panels, strips);
    for (int64_t pc = 0; pc < g.k; pc += geo.kc) {
      const int kc = static_cast<int>(std::min<int64_t>(geo.kc, g.k - pc));
      const uint64_t step = g_step.fetch_add(1) + 1;
      constexpr int64_t kPanelsPerPackTask = 4;
      parallel_tasks(pool, threads, ceil_div(panels, kPanelsPerPackTask), [&](int64_t t) {
        const int64_t p0 = t * kPanelsPerPackTask;
        const int64_t j = p0 * geo.nr;
        const int cols = static_cast<int>(std::min<int64_t>(kPanelsPerPackTask * geo.nr, nc - j));
        isa.pack_b(p.b, g.ldb, g.trans_b, pc, kc, jc + j, cols, bp + j * kc);
      });
      parallel_tasks(pool, threads, mblocks * strips, [&](int64_t t) {
        const int64_t ic = (t / strips) * mc;
        const int64_t j = (t % strips) * perStrip * geo.nr;
        if (j >= nc) return;
        const int cols = static_cast<int>(std::min<int64_t>(perStrip * geo.nr, nc - j));
        const int rows = static_cast<int>(std::min<int64_t>(mc, g.m - ic));
        float* ap = t_a.get(static_cast<int64_t>(geo.kc) * round_up(mc, geo.mr));
        if (t_a_step != step || t_a_ic != ic) {
          isa.pack_a(p.a, g.lda, g.trans_a, ic, rows, pc, kc, ap);
          t_a_step = step;
          t_a_ic = ic;
        }
        const Epilogue e{g.alpha, g.beta, g.bias ? g.bias + jc + j : nullptr, pc == 0};
        isa.macro(rows, cols, kc, ap, bp + j * kc, p.c + ic * g.ldc + jc + j, g.ldc, e);
      });
    }
  }
}

/**
 * One product with C at most one column panel wide (LoRA's rank-r products): B is packed once, whole
 * (the threads split it by k block), then the threads take bands of rows, reading A in place: with a
 * single column panel a packed copy of A would be read just once.
 */
void narrow_product(const Isa& isa, Pool& pool, int threads, const GemmArgs& g, const Product& p) {
  const GemmGeometry& geo = isa.gemm;
  // Block pc of the packed panel starts at its row pc: the panel is k rows of nr floats.
  float* bp = t_shared_b.get(g.k * geo.nr);
  parallel_tasks(pool, threads, ceil_div(g.k, geo.kc), [&](int64_t t) {
    const int64_t pc = t * geo.kc;
    const int kc = static_cast<int>(std::min<int64_t>(geo.kc, g.k - pc));
    isa.pack_b(p.b, g.ldb, g.trans_b, pc, kc, 0, static_cast<int>(g.n), bp + pc * geo.nr);
  });
  // Bands of whole tiles (2·mr rows), about four a thread.
  const int64_t band = threads <= 1 ? g.m : round_up(ceil_div(g.m, 4 * threads), 2 * geo.mr);
  parallel_tasks(pool, threads, ceil_div(g.m, band), [&](int64_t t) {
    const int64_t i0 = t * band;
    const int rows = static_cast<int>(std::min<int64_t>(band, g.m - i0));
    for (int64_t pc = 0; pc < g.k; pc += geo.kc) {
      const int kc = static_cast<int>(std::min<int64_t>(geo.kc, g.k - pc));
      const float* a = g.trans_a ? p.a + pc * g.lda + i0 : p.a + i0 * g.lda + pc;
      const Epilogue e{g.alpha, g.beta, g.bias, pc == 0};
      isa.narrow(rows, static_cast<int>(g.n), kc, a, g.lda, g.trans_a, bp + pc * geo.nr, p.c + i0 * g.ldc,
                 g.ldc, e);
    }
  });
}

/** One product on `threads` threads. */
void product(const Isa& isa, Pool& pool, int threads, const GemmArgs& g, const Product& p) {
  const GemmGeometry& geo = isa.gemm;
  if (g.n <= geo.nr) {
    narrow_product(isa, pool, threads, g, p);
    return;
  }
  if (threads <= 1) {
    block_alone(isa, g, p, 0, g.m, 0, g.n);
    return;
  }
  const int64_t mblocks = ceil_div(g.m, balanced_mc(geo, g.m));
  if (mblocks >= 2 * threads) {
    shared_b(isa, pool, threads, g, p);
    return;
  }
  // Few row blocks: the threads split C into bands of rows × strips of columns, one block each, every
  // block packing its own A rows and B columns. The split that packs the fewest floats: a band count
  // R and strip count S pack S copies of A and R copies of B.
  const int64_t rowPanels = ceil_div(g.m, geo.mr);
  const int64_t colPanels = ceil_div(g.n, geo.nr);
  const int64_t tasks = threads;
  int64_t bands = 1;
  int64_t bestCost = INT64_MAX;
  for (int64_t r = 1; r <= tasks; r++) {
    if (tasks % r != 0 || r > rowPanels || tasks / r > colPanels) continue;
    const int64_t cost = (tasks / r) * g.m + r * g.n;
    if (cost < bestCost) {
      bestCost = cost;
      bands = r;
    }
  }
  const int64_t strips = std::min<int64_t>(colPanels, tasks / bands);
  const int64_t perBand = ceil_div(rowPanels, bands);
  const int64_t perStrip = ceil_div(colPanels, strips);
  parallel_tasks(pool, threads, bands * strips, [&](int64_t t) {
    const int64_t i0 = (t / strips) * perBand * geo.mr;
    const int64_t i1 = std::min<int64_t>(g.m, i0 + perBand * geo.mr);
    const int64_t j0 = (t % strips) * perStrip * geo.nr;
    const int64_t j1 = std::min<int64_t>(g.n, j0 + perStrip * geo.nr);
    if (i0 < i1 && j0 < j1) block_alone(isa, g, p, i0, i1, j0, j1);
  });
}

Product product_at(const GemmArgs& g, int64_t i) {
  const int64_t outer = i / g.group;
  const int64_t inner = i % g.group;
  return {g.a + outer * g.a_group_stride + inner * g.a_stride, g.b + outer * g.b_group_stride + inner * g.b_stride,
          g.c + outer * g.c_group_stride + inner * g.c_stride};
}

}  // namespace

void gemm(const Isa& isa, Pool& pool, const GemmArgs& g) {
  if (g.batch <= 0 || g.m <= 0 || g.n <= 0 || g.k <= 0) return;
  const int threads = std::max(1, std::min(g.threads, pool.threads()));
  const double flopsEach = 2.0 * static_cast<double>(g.m) * static_cast<double>(g.n) * static_cast<double>(g.k);
  // Many disjoint products (attention's heads): one thread per product, each packing its own.
  if (threads > 1 && g.batch > 1 && g.c_layout == 0 && (g.batch >= 4 * threads || flopsEach < 8e6)) {
    parallel_tasks(pool, threads, g.batch, [&](int64_t i) {
      const Product p = product_at(g, i);
      block_alone(isa, g, p, 0, g.m, 0, g.n);
    });
    return;
  }
  // Otherwise one product after another, strictly in batch order (C matrices that are summed into
  // one, or overlap, must see each other's results as the reference does).
  for (int64_t i = 0; i < g.batch; i++) product(isa, pool, threads, g, product_at(g, i));
}

}  // namespace lora
