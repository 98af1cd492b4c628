import type {
  AdamWSpec,
  DropoutSpec,
  GemmSpec,
  Kernels,
  LayerNormBackwardSpec,
  LayerNormSpec,
  SoftmaxSpec,
} from '../kernels.js';
import { gemmLayout, operandExtent, type GemmLayout } from '../gemm-layout.js';
import { profiler } from '../profile.js';
import { WasmHeap, MAX_PAGES } from './heap.js';
import { JobWriter } from './job.js';
import { loadKernelModule } from './locate.js';
import type { KernelModuleKind } from './module-kind.js';
import { ThreadPool } from './pool.js';
import { enableRelaxedSimd, fmaByDefault } from './relaxed-simd.js';
import { createReferenceKernels } from '../reference/index.js';
import { WebAssemblyApi } from './wasm-api.js';

interface KernelModuleExports {
  runJob(job: number, thread: number): void;
  heapBase(): number;
  zeroBytes(ptr: number, bytes: number): void;
  gemmScratchBytes(batch: number, m: number, n: number, k: number, cLayout: number, threads: number): number;
  gemmSharedBBytes(m: number, n: number, k: number, threads: number): number;
  OP_GEMM: { value: number };
  OP_GELU: { value: number };
  OP_GELU_BACKWARD: { value: number };
  OP_SOFTMAX: { value: number };
  OP_SOFTMAX_BACKWARD: { value: number };
  OP_LAYER_NORM: { value: number };
  OP_LAYER_NORM_BACKWARD: { value: number };
  OP_EMBEDDING: { value: number };
  OP_EMBEDDING_BACKWARD: { value: number };
  OP_ADAMW: { value: number };
  OP_DROPOUT: { value: number };
  OP_ADD: { value: number };
  OP_SUM_ROWS: { value: number };
  OP_GEMM_PACK_B: { value: number };
  OP_PEAK: { value: number };
  SUM_ROWS_BLOCK: { value: number };
  PEAK_FLOPS_PER_ITERATION: { value: number };
}

/**
 * A job estimated to take less than this on one thread runs on the main thread alone: waking a
 * worker and waiting for it costs tens of microseconds.
 */
const PARALLEL_MIN_NS = 40_000;
/** Rough single-thread costs, measured on the 2-core development machine, for that estimate. */
const NS_PER_FLOP = 1 / 36;
const NS_PER_ELEMENT = {
  gelu: 2.6,
  geluBackward: 4,
  softmax: 1.7,
  softmaxBackward: 0.4,
  layerNorm: 0.6,
  layerNormBackward: 0.8,
  embedding: 0.1,
  embeddingBackward: 0.15,
  adamw: 0.8,
  dropout: 0.4,
  add: 0.3,
  sumRows: 0.15,
} as const;

/** When threads share the packing of B (see gemm): a long k, and C not much taller than wide. */
const SHARED_PACK_MIN_K = 1024;
const SHARED_PACK_MAX_M_PER_N = 4;

/** The codes assembly/gemm.ts reads for GemmLayout.cLayout. */
const C_LAYOUT: Record<GemmLayout['cLayout'], number> = { disjoint: 0, sum: 1, overlap: 2 };

export interface WasmKernelOptions {
  threads: number;
  /**
   * `single`: the module built without threads, over an ordinary memory, for one thread where
   * SharedArrayBuffer is unavailable (a page that is not cross-origin isolated). Default `threads`.
   */
  module?: KernelModuleKind;
  /**
   * The relaxed-SIMD build of the module, whose GEMM uses fused multiply-add (results differ from the
   * plain build's in the last bits). Default: in Node the plain build (createKernels reads
   * LORA_LAB_WASM_FMA), in a browser the relaxed one wherever it validates. True where the runtime
   * has no relaxed SIMD (Node's V8 flag for it is turned on first) fails.
   */
  fma?: boolean;
  /**
   * Jobs estimated below this many nanoseconds on one thread stay on the main thread (default
   * 40 µs). Tests set 0 to send every job through the workers.
   */
  parallelMinNs?: number;
  /**
   * The most memory the kernels may use (default, and at most, 4 GiB): tests set less to run out of it
   * (KernelMemoryExhausted) on a small model.
   */
  memoryLimitBytes?: number;
}

export class WasmKernels implements Kernels {
  readonly name = 'wasm';
  readonly threads: number;
  /** Whether this is the relaxed-SIMD build: fused multiply-add in the GEMM and its peak loop. */
  readonly fma: boolean;
  private readonly heap: WasmHeap;
  private readonly pool: ThreadPool;
  private readonly exports: KernelModuleExports;
  private readonly job: JobWriter;
  private readonly op: Record<
    | 'gemm'
    | 'gelu'
    | 'geluBackward'
    | 'softmax'
    | 'softmaxBackward'
    | 'layerNorm'
    | 'layerNormBackward'
    | 'embedding'
    | 'embeddingBackward'
    | 'adamw'
    | 'dropout'
    | 'add'
    | 'sumRows'
    | 'gemmPackB',
    number
  >;
  private readonly ref = createReferenceKernels();
  private readonly parallelMinNs: number;
  /**
   * Whether arrays may live in wasm memory beyond one kernel call: only a shared memory keeps its
   * views when it grows. Over the single-thread module's ordinary memory every operand is staged.
   */
  readonly inPlace: boolean;
  private disposed = false;

  constructor(
    heap: WasmHeap,
    pool: ThreadPool,
    exports: KernelModuleExports,
    parallelMinNs: number,
    fma: boolean,
  ) {
    this.heap = heap;
    this.fma = fma;
    this.parallelMinNs = parallelMinNs;
    this.pool = pool;
    this.exports = exports;
    this.threads = pool.threads;
    this.job = new JobWriter(heap.memory, heap.jobPtr);
    this.inPlace =
      typeof SharedArrayBuffer !== 'undefined' && heap.memory.buffer instanceof SharedArrayBuffer;
    this.op = {
      gemm: exports.OP_GEMM.value,
      gelu: exports.OP_GELU.value,
      geluBackward: exports.OP_GELU_BACKWARD.value,
      softmax: exports.OP_SOFTMAX.value,
      softmaxBackward: exports.OP_SOFTMAX_BACKWARD.value,
      layerNorm: exports.OP_LAYER_NORM.value,
      layerNormBackward: exports.OP_LAYER_NORM_BACKWARD.value,
      embedding: exports.OP_EMBEDDING.value,
      embeddingBackward: exports.OP_EMBEDDING_BACKWARD.value,
      adamw: exports.OP_ADAMW.value,
      dropout: exports.OP_DROPOUT.value,
      add: exports.OP_ADD.value,
      sumRows: exports.OP_SUM_ROWS.value,
      gemmPackB: exports.OP_GEMM_PACK_B.value,
    };
  }

  /** A zeroed array inside wasm memory: kernels read and write it in place, without copies. */
  allocF32(n: number): Float32Array {
    return this.inPlace ? this.heap.allocF32(n) : new Float32Array(n);
  }

  /**
   * Blocks of arrays from `allocCollectedF32`, given back when their array is garbage collected.
   * The callback runs as its own task, never inside a kernel call.
   */
  private readonly collected = new FinalizationRegistry<{ ptr: number; n: number }>(({ ptr, n }) => {
    if (!this.disposed) this.heap.freeF32(ptr, n);
  });

  /**
   * Like `allocF32`, but the block is reused once the returned array is garbage collected, so an
   * owner that drops its arrays (an optimizer per training run) does not grow the memory forever.
   * Make no other view on it (subarray) that outlives the array itself.
   */
  allocState(n: number): Float32Array {
    return this.allocCollectedF32(n);
  }

  allocCollectedF32(n: number): Float32Array {
    if (!this.inPlace) return new Float32Array(n);
    const view = this.heap.allocF32(n);
    this.collected.register(view, { ptr: view.byteOffset, n });
    return view;
  }

  borrowFloats = (n: number, zero: boolean): Float32Array | null => {
    if (this.disposed || !this.inPlace) return null;
    try {
      return this.heap.allocF32(n, zero);
    } catch (e) {
      // Past the 4 GiB a 32-bit memory can hold: the caller falls back to an ordinary array.
      if (e instanceof RangeError) return null;
      throw e;
    }
  };

  returnFloats = (array: Float32Array): void => {
    if (this.disposed || !this.heap.owns(array)) return;
    this.heap.freeF32(array.byteOffset, array.length);
  };

  private run(threads: number, everyThread = false): void {
    if (threads > 1) this.pool.run(this.exports, this.heap.jobPtr, everyThread);
    else this.exports.runJob(this.heap.jobPtr, 0);
  }

  /** Threads for a job of `units` elements (or flops) at `nsPerUnit` each. */
  private threadsFor(units: number, nsPerUnit: number): number {
    return units * nsPerUnit >= this.parallelMinNs ? this.threads : 1;
  }

  /**
   * Stages operands and writes the job (in `prepare`), runs it, lets `after` read results from the
   * call's scratch memory, copies results back.
   */
  private call(prepare: () => void, after?: () => void, everyThread = false): void {
    if (this.disposed) throw new Error('The kernel backend was disposed.');
    let ok = false;
    if (profiler.enabled) {
      // Split each call into staging (copies in and out of wasm memory) and the job itself.
      const t0 = performance.now();
      let t1 = t0;
      let t2 = t0;
      try {
        prepare();
        t1 = performance.now();
        this.run(this.job.threads, everyThread);
        after?.();
        t2 = performance.now();
        ok = true;
      } finally {
        this.heap.finish(ok);
        profiler.add('wasm:staging', t1 - t0 + (performance.now() - t2));
        profiler.add(this.job.threads > 1 ? 'wasm:job (threads)' : 'wasm:job (main thread only)', t2 - t1);
      }
      return;
    }
    try {
      prepare();
      this.run(this.job.threads, everyThread);
      after?.();
      ok = true;
    } finally {
      this.heap.finish(ok);
    }
  }

  gemm = (s: GemmSpec): void => {
    const { batch, m, n, k } = s;
    if (batch <= 0 || m <= 0 || n <= 0) return;
    if (k === 0) {
      this.ref.gemm(s);
      return;
    }
    const l = gemmLayout(s);
    const threads = this.threadsFor(2 * batch * m * n * k, NS_PER_FLOP);
    // One large B shared by threads that each own a few rows of C (a weight gradient, k = tokens):
    // packed once by all of them, instead of whole by each.
    const sharePacking =
      batch === 1 && threads > 1 && k >= SHARED_PACK_MIN_K && m <= n * SHARED_PACK_MAX_M_PER_N;
    let writeGemm = (): void => {};
    this.call(
      () => {
        const h = this.heap;
        const extent = (
          stride: number,
          groupStride: number,
          rows: number,
          cols: number,
          ld: number,
        ): number => operandExtent(batch, l.group, stride, groupStride, rows, cols, ld);
        const aLen = extent(s.aStride, l.aGroupStride, s.transA ? k : m, s.transA ? m : k, l.lda);
        const bLen = extent(s.bStride, l.bGroupStride, s.transB ? n : k, s.transB ? k : n, l.ldb);
        const cLen = extent(s.cStride, l.cGroupStride, m, n, l.ldc);
        const a = h.input(s.a, s.aOffset, aLen);
        const b = h.input(s.b, s.bOffset, bLen);
        // beta 0 overwrites C, so its old contents need not be copied in, unless the C matrices leave
        // gaps in their span (between rows or between matrices): those must come back unchanged.
        const covered = l.cLayout === 'disjoint' ? batch * m * n : m * n;
        const c = h.output(s.c, s.cOffset, cLen, s.beta !== 0 || covered !== cLen);
        const bias = s.bias ? h.input(s.bias, s.biasOffset ?? 0, n) : 0;
        const cLayout = C_LAYOUT[l.cLayout];
        const perThread = this.exports.gemmScratchBytes(batch, m, n, k, cLayout, threads);
        const scratch = h.scratch(perThread * threads);
        const prepacked = sharePacking ? h.scratch(this.exports.gemmSharedBBytes(m, n, k, threads)) : 0;
        writeGemm = () => {
          this.job
            .begin(this.op.gemm, threads)
            .int(batch)
            .int(m)
            .int(n)
            .int(k)
            .int(s.transA ? 1 : 0)
            .int(s.transB ? 1 : 0)
            .ptr(a)
            .int(s.aStride)
            .ptr(b)
            .int(s.bStride)
            .ptr(c)
            .int(s.cStride)
            .float(s.alpha)
            .float(s.beta)
            .ptr(scratch)
            .ptr(perThread)
            .ptr(bias)
            .int(l.lda)
            .int(l.ldb)
            .int(l.ldc)
            .int(l.group)
            .int(l.aGroupStride)
            .int(l.bGroupStride)
            .int(l.cGroupStride)
            .int(cLayout)
            .ptr(prepacked);
        };
        if (sharePacking) {
          this.job
            .begin(this.op.gemmPackB, threads)
            .int(m)
            .int(n)
            .int(k)
            .int(s.transB ? 1 : 0)
            .ptr(b)
            .int(l.ldb)
            .ptr(prepacked);
        } else {
          writeGemm();
        }
      },
      sharePacking
        ? () => {
            writeGemm();
            this.run(threads);
          }
        : undefined,
    );
  };

  gelu = (x: Float32Array, y: Float32Array, n: number): void => {
    if (n <= 0) return;
    this.call(() => {
      const xp = this.heap.input(x, 0, n);
      const yp = this.heap.output(y, 0, n, false);
      this.job.begin(this.op.gelu, this.threadsFor(n, NS_PER_ELEMENT.gelu)).ptr(xp).ptr(yp).int(n);
    });
  };

  geluBackward = (
    x: Float32Array,
    dy: Float32Array,
    dx: Float32Array,
    n: number,
    accumulate = true,
  ): void => {
    if (n <= 0) return;
    this.call(() => {
      const xp = this.heap.input(x, 0, n);
      const dyp = this.heap.input(dy, 0, n);
      const dxp = this.heap.output(dx, 0, n, accumulate);
      this.job
        .begin(this.op.geluBackward, this.threadsFor(n, NS_PER_ELEMENT.geluBackward))
        .ptr(xp)
        .ptr(dyp)
        .ptr(dxp)
        .int(n)
        .int(accumulate ? 1 : 0);
    });
  };

  softmax = (s: SoftmaxSpec): void => {
    const { rows, cols } = s;
    if (rows <= 0 || cols <= 0) return;
    const rowsPerBias = s.rowsPerBias ?? rows;
    this.call(() => {
      const x = this.heap.input(s.x, 0, rows * cols);
      const bias = s.bias ? this.heap.input(s.bias, 0, (Math.floor((rows - 1) / rowsPerBias) + 1) * cols) : 0;
      const y = this.heap.output(s.y, 0, rows * cols, false);
      this.job
        .begin(this.op.softmax, this.threadsFor(rows * cols, NS_PER_ELEMENT.softmax))
        .int(rows)
        .int(cols)
        .ptr(x)
        .ptr(y)
        .ptr(bias)
        .int(rowsPerBias);
    });
  };

  softmaxBackward = (
    y: Float32Array,
    dy: Float32Array,
    dx: Float32Array,
    rows: number,
    cols: number,
    accumulate = true,
  ): void => {
    if (rows <= 0 || cols <= 0) return;
    this.call(() => {
      const n = rows * cols;
      const yp = this.heap.input(y, 0, n);
      const dyp = this.heap.input(dy, 0, n);
      const dxp = this.heap.output(dx, 0, n, accumulate);
      this.job
        .begin(this.op.softmaxBackward, this.threadsFor(n, NS_PER_ELEMENT.softmaxBackward))
        .ptr(yp)
        .ptr(dyp)
        .ptr(dxp)
        .int(rows)
        .int(cols)
        .int(accumulate ? 1 : 0);
    });
  };

  layerNorm = (s: LayerNormSpec): void => {
    const { rows, cols } = s;
    if (rows <= 0 || cols <= 0) return;
    this.call(() => {
      const h = this.heap;
      const x = h.input(s.x, 0, rows * cols);
      const gamma = h.input(s.gamma, 0, cols);
      const beta = h.input(s.beta, 0, cols);
      const y = h.output(s.y, 0, rows * cols, false);
      const mean = h.output(s.mean, 0, rows, false);
      const rstd = h.output(s.rstd, 0, rows, false);
      this.job
        .begin(this.op.layerNorm, this.threadsFor(rows * cols, NS_PER_ELEMENT.layerNorm))
        .int(rows)
        .int(cols)
        .float(s.eps)
        .ptr(x)
        .ptr(gamma)
        .ptr(beta)
        .ptr(y)
        .ptr(mean)
        .ptr(rstd);
    });
  };

  layerNormBackward = (s: LayerNormBackwardSpec): void => {
    const { rows, cols } = s;
    if (rows <= 0 || cols <= 0 || (!s.dx && !s.dgamma && !s.dbeta)) return;
    this.call(() => {
      const h = this.heap;
      const n = rows * cols;
      const x = h.input(s.x, 0, n);
      const gamma = h.input(s.gamma, 0, cols);
      const mean = h.input(s.mean, 0, rows);
      const rstd = h.input(s.rstd, 0, rows);
      const dy = h.input(s.dy, 0, n);
      const dxAccumulate = s.dxAccumulate ?? true;
      const dx = s.dx ? h.output(s.dx, 0, n, dxAccumulate) : 0;
      const dgamma = s.dgamma ? h.output(s.dgamma, 0, cols, true) : 0;
      const dbeta = s.dbeta ? h.output(s.dbeta, 0, cols, true) : 0;
      this.job
        .begin(this.op.layerNormBackward, this.threadsFor(n, NS_PER_ELEMENT.layerNormBackward))
        .int(rows)
        .int(cols)
        .ptr(x)
        .ptr(gamma)
        .ptr(mean)
        .ptr(rstd)
        .ptr(dy)
        .ptr(dx)
        .ptr(dgamma)
        .ptr(dbeta)
        .int(dxAccumulate ? 1 : 0);
    });
  };

  /**
   * Runs in wasm only when the table and the output already live there: otherwise copying a whole
   * table in (30k × 768 floats for BERT) to gather a few rows would cost far more than the gather.
   */
  embedding = (ids: Int32Array, table: Float32Array, out: Float32Array, count: number, dim: number): void => {
    if (count <= 0 || dim <= 0) return;
    checkIds(ids, count, Math.floor(table.length / dim));
    if (!this.heap.owns(table) || !this.heap.owns(out)) {
      for (let i = 0; i < count; i++) {
        const src = ids[i] * dim;
        out.set(table.subarray(src, src + dim), i * dim);
      }
      return;
    }
    this.call(() => {
      const h = this.heap;
      const idp = h.input(ids, 0, count);
      const tp = h.input(table, 0, table.length);
      const op = h.output(out, 0, count * dim, false);
      this.job
        .begin(this.op.embedding, this.threadsFor(count * dim, NS_PER_ELEMENT.embedding))
        .ptr(idp)
        .ptr(tp)
        .ptr(op)
        .int(count)
        .int(dim);
    });
  };

  /** In wasm only when dTable and dOut live there, for the reason given at `embedding`. */
  embeddingBackward = (
    ids: Int32Array,
    dOut: Float32Array,
    dTable: Float32Array,
    count: number,
    dim: number,
  ): void => {
    if (count <= 0 || dim <= 0) return;
    checkIds(ids, count, Math.floor(dTable.length / dim));
    if (!this.heap.owns(dTable) || !this.heap.owns(dOut)) {
      for (let i = 0; i < count; i++) {
        const dst = ids[i] * dim;
        const src = i * dim;
        for (let d = 0; d < dim; d++) dTable[dst + d] += dOut[src + d];
      }
      return;
    }
    this.call(() => {
      const h = this.heap;
      const idp = h.input(ids, 0, count);
      const dop = h.input(dOut, 0, count * dim);
      const dtp = h.output(dTable, 0, dTable.length, true);
      this.job
        .begin(this.op.embeddingBackward, this.threadsFor(count * dim, NS_PER_ELEMENT.embeddingBackward))
        .ptr(idp)
        .ptr(dop)
        .ptr(dtp)
        .int(count)
        .int(dim);
    });
  };

  dropout = (s: DropoutSpec): void => {
    const n = s.n;
    if (n <= 0) return;
    this.call(() => {
      const h = this.heap;
      // In place (x is y): one staged copy serves both.
      const inPlace = s.x === s.y;
      const x = inPlace ? 0 : h.input(s.x, 0, n);
      const y = h.output(s.y, 0, n, inPlace || s.accumulate);
      this.job
        .begin(this.op.dropout, this.threadsFor(n, NS_PER_ELEMENT.dropout))
        .int(n)
        .ptr(inPlace ? y : x)
        .ptr(y)
        .int(s.seed0 | 0)
        .int(s.seed1 | 0)
        .int(s.threshold)
        .float(s.scale)
        .int(s.accumulate ? 1 : 0);
    });
  };

  add = (a: Float32Array, b: Float32Array, y: Float32Array, n: number): void => {
    if (n <= 0) return;
    this.call(() => {
      const h = this.heap;
      // y may be a or b: staged once, read in place.
      const yp = h.output(y, 0, n, y === a || y === b);
      const ap = y === a ? yp : h.input(a, 0, n);
      const bp = y === b ? yp : h.input(b, 0, n);
      this.job.begin(this.op.add, this.threadsFor(n, NS_PER_ELEMENT.add)).ptr(ap).ptr(bp).ptr(yp).int(n);
    });
  };

  sumRows = (x: Float32Array, rows: number, cols: number, out: Float32Array): void => {
    if (rows <= 0 || cols <= 0) return;
    const blocks = Math.ceil(rows / this.exports.SUM_ROWS_BLOCK.value);
    let partials = 0;
    this.call(
      () => {
        const xp = this.heap.input(x, 0, rows * cols);
        partials = this.heap.scratch(blocks * cols * 4);
        this.job
          .begin(this.op.sumRows, this.threadsFor(rows * cols, NS_PER_ELEMENT.sumRows))
          .ptr(xp)
          .int(rows)
          .int(cols)
          .ptr(partials);
      },
      () => {
        // The blocks' sums, added in block order: the same result on any number of threads.
        const p = this.heap.f32At(partials, blocks * cols);
        const acc = new Float64Array(cols);
        for (let t = 0; t < blocks; t++) {
          const o = t * cols;
          for (let j = 0; j < cols; j++) acc[j] += p[o + j];
        }
        for (let j = 0; j < cols; j++) out[j] += acc[j];
      },
    );
  };

  adamw = (s: AdamWSpec): void => {
    const n = s.n;
    if (n <= 0) return;
    // Scalars in double precision, as the reference computes them, then rounded once.
    const bc1 = 1 - Math.pow(s.beta1, s.step);
    const bc2 = 1 - Math.pow(s.beta2, s.step);
    this.call(() => {
      const h = this.heap;
      const grad = h.input(s.grad, 0, n);
      const param = h.output(s.param, 0, n, true);
      const m = h.output(s.m, 0, n, true);
      const v = h.output(s.v, 0, n, true);
      this.job
        .begin(this.op.adamw, this.threadsFor(n, NS_PER_ELEMENT.adamw))
        .int(n)
        .ptr(param)
        .ptr(grad)
        .ptr(m)
        .ptr(v)
        .float(1 - s.lr * s.weightDecay)
        .float(s.beta1)
        .float(1 - s.beta1)
        .float(s.beta2)
        .float(1 - s.beta2)
        .float(s.lr / bc1)
        .float(Math.sqrt(bc2))
        .float(s.eps);
    });
  };

  /**
   * GFLOP/s of a register-resident multiply-add loop (assembly/peak.ts) on `threads` threads at once:
   * the most these kernels could reach on this machine (best of `rounds`). The relaxed build's loop
   * fuses its multiply-adds as its GEMM does, so each build is measured against its own ceiling.
   */
  peakGflops(threads = this.threads, rounds = 5): number {
    const iterations = 10_000_000;
    let best = 0;
    for (let r = 0; r < rounds; r++) {
      const { seconds, loops } = this.peakRun(threads, iterations);
      const flops =
        loops.reduce((a, b) => a + b, 0) * iterations * this.exports.PEAK_FLOPS_PER_ITERATION.value;
      best = Math.max(best, flops / seconds / 1e9);
    }
    return best;
  }

  /**
   * One run of the peak loop on `threads` threads at once: its wall-clock seconds and how many loops
   * each thread ran (one each: the job waits for every thread, see assembly/peak.ts).
   */
  peakRun(threads: number, iterations: number): { seconds: number; loops: number[] } {
    if (this.disposed) throw new Error('The kernel backend was disposed.');
    const used = Math.min(threads, this.threads);
    // Per thread: the loop's result (kept so the loop is not optimized away), then its loop count.
    const sink = new Int32Array(2 * used);
    let seconds = 0;
    this.call(
      () => {
        const ptr = this.heap.output(sink, 0, sink.length, true);
        this.job.begin(this.exports.OP_PEAK.value, used).int(iterations).ptr(ptr);
        seconds = performance.now();
      },
      () => {
        seconds = (performance.now() - seconds) / 1000;
      },
      true,
    );
    return { seconds, loops: Array.from(sink.subarray(used)) };
  }

  dispose = (): void => {
    this.disposed = true;
    this.pool.dispose();
  };
}

/** The fast backend: WebAssembly SIMD kernels on `threads` threads (the caller's thread is one of them). */
export async function createWasmKernels(opts: WasmKernelOptions): Promise<WasmKernels> {
  const kind = opts.module ?? 'threads';
  if (kind === 'single' && opts.threads !== 1) {
    throw new RangeError(`The single-thread kernel module runs on one thread, not ${opts.threads}.`);
  }
  const fma = opts.fma ?? fmaByDefault();
  if (fma && !enableRelaxedSimd()) {
    throw new Error(
      'This WebAssembly runtime has no relaxed SIMD, which the fused multiply-add kernels need.',
    );
  }
  const module = await loadKernelModule(kind, fma);
  const memory = new WebAssemblyApi.Memory({ initial: 64, maximum: MAX_PAGES, shared: kind === 'threads' });
  const instance = await WebAssemblyApi.instantiate(module, {
    env: {
      memory,
      abort() {
        throw new Error('The kernel module aborted.');
      },
    },
  });
  const exports = instance.exports as unknown as KernelModuleExports;
  const heap = new WasmHeap(memory, exports.heapBase(), exports.zeroBytes, opts.memoryLimitBytes);
  const pool = await ThreadPool.create(module, memory, heap.controlPtr, opts.threads);
  return new WasmKernels(heap, pool, exports, opts.parallelMinNs ?? PARALLEL_MIN_NS, fma);
}

/**
 * A Float32Array that kernels of `kernels` use without copying: inside wasm memory for the wasm
 * backend, an ordinary array otherwise.
 */
export function allocWasmF32(kernels: Kernels, n: number): Float32Array {
  return kernels instanceof WasmKernels ? kernels.allocF32(n) : new Float32Array(n);
}

/**
 * As `allocWasmF32`, but the wasm memory is reused after the array is garbage collected (see
 * WasmKernels.allocCollectedF32: no subarray of it may outlive it).
 */
export function allocCollectedWasmF32(kernels: Kernels, n: number): Float32Array {
  return kernels instanceof WasmKernels ? kernels.allocCollectedF32(n) : new Float32Array(n);
}

function checkIds(ids: Int32Array, count: number, rows: number): void {
  if (ids.length < count) throw new RangeError(`Embedding lookup of ${count} ids got only ${ids.length}.`);
  for (let i = 0; i < count; i++) {
    const id = ids[i];
    if (!(id >= 0 && id < rows)) {
      throw new RangeError(`Token id ${id} is outside the embedding table of ${rows} rows.`);
    }
  }
}
