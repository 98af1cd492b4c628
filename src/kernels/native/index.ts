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
import { createReferenceKernels } from '../reference/index.js';
import { loadNativeAddon, type NativeAddon, type NativeContext } from './addon.js';

/** The instruction sets the addon may be compiled for, fastest first. */
export const NATIVE_ISAS = ['avx512', 'avx2', 'generic'] as const;
export type NativeIsa = (typeof NATIVE_ISAS)[number];

/**
 * A job estimated to take less than this on one thread runs on the calling thread alone: waking a
 * worker and waiting for it costs a few microseconds when it is spinning, tens when it sleeps.
 */
const PARALLEL_MIN_NS = 20_000;
/** Rough single-thread costs on the 2-core development machine (AVX2), for that estimate. */
const NS_PER_FLOP = 1 / 80;
const NS_PER_ELEMENT = {
  gelu: 0.8,
  geluBackward: 1.2,
  softmax: 0.6,
  softmaxBackward: 0.2,
  layerNorm: 0.3,
  layerNormBackward: 0.4,
  embedding: 0.1,
  embeddingBackward: 0.15,
  adamw: 0.4,
  dropout: 0.2,
  add: 0.15,
  sumRows: 0.1,
} as const;

/** The codes native/src/gemm.h reads for GemmLayout.cLayout. */
const C_LAYOUT: Record<GemmLayout['cLayout'], number> = { disjoint: 0, sum: 1, overlap: 2 };

/** Most bytes of given-back buffers kept for reuse. */
const MAX_POOLED_BYTES = 2 ** 31;

/** Bytes rounded up to a size class: 64 B steps below 4 KiB, then 8 classes per power of two (≤ 12.5 % unused). */
export function sizeClass(bytes: number): number {
  if (bytes <= 4096) return Math.max(64, Math.ceil(bytes / 64) * 64);
  const step = 2 ** (Math.floor(Math.log2(bytes)) - 3);
  return Math.ceil(bytes / step) * step;
}

export interface NativeKernelOptions {
  threads: number;
  /** Default: the fastest this CPU runs. */
  isa?: NativeIsa;
  /** Jobs estimated below this many nanoseconds stay on the calling thread (default 20 µs); 0 sends all through the threads. */
  parallelMinNs?: number;
}

function checkRange(array: ArrayLike<number>, offset: number, length: number): void {
  if (!(offset >= 0 && length >= 0 && offset + length <= array.length)) {
    throw new RangeError(
      `A kernel operand needs elements ${offset}..${offset + length} but its array has ${array.length}.`,
    );
  }
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

/**
 * C++ kernels (native/) on the tensors' own memory: the addon reads and writes the Float32Arrays in
 * place, so nothing is staged and no array needs special placement. Its own thread pool; every
 * call is synchronous.
 */
export class NativeKernels implements Kernels {
  readonly name = 'native';
  readonly threads: number;
  /** The instruction set the kernels run: avx512, avx2 or generic. */
  readonly isa: string;
  private readonly addon: NativeAddon;
  private readonly ctx: NativeContext;
  /** Scalars for the next call, shared with the addon (see addon.cc). */
  private readonly p: Float64Array;
  private readonly ref = createReferenceKernels();
  private readonly parallelMinNs: number;
  private disposed = false;

  constructor(addon: NativeAddon, opts: NativeKernelOptions) {
    this.addon = addon;
    const [ctx, params] = addon.createContext(opts.threads, opts.isa ?? 'best');
    this.ctx = ctx;
    this.p = new Float64Array(params);
    this.threads = opts.threads;
    this.isa = addon.isa(ctx);
    this.parallelMinNs = opts.parallelMinNs ?? PARALLEL_MIN_NS;
  }

  private threadsFor(units: number, nsPerUnit: number): number {
    return units * nsPerUnit >= this.parallelMinNs ? this.threads : 1;
  }

  private live(): void {
    if (this.disposed) throw new Error('The kernel backend was disposed.');
  }

  /** Runs a kernel call, timed under native:job when profiling (the ops' split needs no staging row). */
  private timed(threads: number, call: () => void): void {
    if (!profiler.enabled) {
      call();
      return;
    }
    const t0 = performance.now();
    try {
      call();
    } finally {
      profiler.add(
        threads > 1 ? 'native:job (threads)' : 'native:job (calling thread only)',
        performance.now() - t0,
      );
    }
  }

  gemm = (s: GemmSpec): void => {
    this.live();
    const { batch, m, n, k } = s;
    if (batch <= 0 || m <= 0 || n <= 0) return;
    if (k === 0) {
      this.ref.gemm(s);
      return;
    }
    const l = gemmLayout(s);
    const extent = (stride: number, groupStride: number, rows: number, cols: number, ld: number): number =>
      operandExtent(batch, l.group, stride, groupStride, rows, cols, ld);
    checkRange(s.a, s.aOffset, extent(s.aStride, l.aGroupStride, s.transA ? k : m, s.transA ? m : k, l.lda));
    checkRange(s.b, s.bOffset, extent(s.bStride, l.bGroupStride, s.transB ? n : k, s.transB ? k : n, l.ldb));
    checkRange(s.c, s.cOffset, extent(s.cStride, l.cGroupStride, m, n, l.ldc));
    if (s.bias) checkRange(s.bias, s.biasOffset ?? 0, n);
    const threads = this.threadsFor(2 * batch * m * n * k, NS_PER_FLOP);
    const p = this.p;
    p[0] = batch;
    p[1] = m;
    p[2] = n;
    p[3] = k;
    p[4] = s.transA ? 1 : 0;
    p[5] = s.transB ? 1 : 0;
    p[6] = s.aOffset;
    p[7] = s.aStride;
    p[8] = l.aGroupStride;
    p[9] = s.bOffset;
    p[10] = s.bStride;
    p[11] = l.bGroupStride;
    p[12] = s.cOffset;
    p[13] = s.cStride;
    p[14] = l.cGroupStride;
    p[15] = l.lda;
    p[16] = l.ldb;
    p[17] = l.ldc;
    p[18] = l.group;
    p[19] = s.alpha;
    p[20] = s.beta;
    p[21] = s.biasOffset ?? 0;
    p[22] = C_LAYOUT[l.cLayout];
    p[23] = threads;
    this.timed(threads, () => this.addon.gemm(this.ctx, s.a, s.b, s.c, s.bias ?? null));
  };

  gelu = (x: Float32Array, y: Float32Array, n: number): void => {
    this.live();
    if (n <= 0) return;
    checkRange(x, 0, n);
    checkRange(y, 0, n);
    const threads = this.threadsFor(n, NS_PER_ELEMENT.gelu);
    this.p[0] = n;
    this.p[1] = threads;
    this.timed(threads, () => this.addon.gelu(this.ctx, x, y));
  };

  geluBackward = (
    x: Float32Array,
    dy: Float32Array,
    dx: Float32Array,
    n: number,
    accumulate = true,
  ): void => {
    this.live();
    if (n <= 0) return;
    checkRange(x, 0, n);
    checkRange(dy, 0, n);
    checkRange(dx, 0, n);
    const threads = this.threadsFor(n, NS_PER_ELEMENT.geluBackward);
    this.p[0] = n;
    this.p[1] = accumulate ? 1 : 0;
    this.p[2] = threads;
    this.timed(threads, () => this.addon.geluBackward(this.ctx, x, dy, dx));
  };

  softmax = (s: SoftmaxSpec): void => {
    this.live();
    const { rows, cols } = s;
    if (rows <= 0 || cols <= 0) return;
    const rowsPerBias = s.rowsPerBias ?? rows;
    checkRange(s.x, 0, rows * cols);
    checkRange(s.y, 0, rows * cols);
    if (s.bias) checkRange(s.bias, 0, (Math.floor((rows - 1) / rowsPerBias) + 1) * cols);
    const threads = this.threadsFor(rows * cols, NS_PER_ELEMENT.softmax);
    this.p[0] = rows;
    this.p[1] = cols;
    this.p[2] = rowsPerBias;
    this.p[3] = threads;
    this.timed(threads, () => this.addon.softmax(this.ctx, s.x, s.y, s.bias ?? null));
  };

  softmaxBackward = (
    y: Float32Array,
    dy: Float32Array,
    dx: Float32Array,
    rows: number,
    cols: number,
    accumulate = true,
  ): void => {
    this.live();
    if (rows <= 0 || cols <= 0) return;
    const n = rows * cols;
    checkRange(y, 0, n);
    checkRange(dy, 0, n);
    checkRange(dx, 0, n);
    const threads = this.threadsFor(n, NS_PER_ELEMENT.softmaxBackward);
    this.p[0] = rows;
    this.p[1] = cols;
    this.p[2] = accumulate ? 1 : 0;
    this.p[3] = threads;
    this.timed(threads, () => this.addon.softmaxBackward(this.ctx, y, dy, dx));
  };

  layerNorm = (s: LayerNormSpec): void => {
    this.live();
    const { rows, cols } = s;
    if (rows <= 0 || cols <= 0) return;
    checkRange(s.x, 0, rows * cols);
    checkRange(s.y, 0, rows * cols);
    checkRange(s.gamma, 0, cols);
    checkRange(s.beta, 0, cols);
    checkRange(s.mean, 0, rows);
    checkRange(s.rstd, 0, rows);
    const threads = this.threadsFor(rows * cols, NS_PER_ELEMENT.layerNorm);
    this.p[0] = rows;
    this.p[1] = cols;
    this.p[2] = s.eps;
    this.p[3] = threads;
    this.timed(threads, () => this.addon.layerNorm(this.ctx, s.x, s.gamma, s.beta, s.y, s.mean, s.rstd));
  };

  layerNormBackward = (s: LayerNormBackwardSpec): void => {
    this.live();
    const { rows, cols } = s;
    if (rows <= 0 || cols <= 0 || (!s.dx && !s.dgamma && !s.dbeta)) return;
    const n = rows * cols;
    checkRange(s.x, 0, n);
    checkRange(s.dy, 0, n);
    checkRange(s.gamma, 0, cols);
    checkRange(s.mean, 0, rows);
    checkRange(s.rstd, 0, rows);
    if (s.dx) checkRange(s.dx, 0, n);
    if (s.dgamma) checkRange(s.dgamma, 0, cols);
    if (s.dbeta) checkRange(s.dbeta, 0, cols);
    const threads = this.threadsFor(n, NS_PER_ELEMENT.layerNormBackward);
    this.p[0] = rows;
    this.p[1] = cols;
    this.p[2] = (s.dxAccumulate ?? true) ? 1 : 0;
    this.p[3] = threads;
    this.timed(threads, () =>
      this.addon.layerNormBackward(this.ctx, s.x, s.gamma, s.mean, s.rstd, s.dy, s.dx, s.dgamma, s.dbeta),
    );
  };

  embedding = (ids: Int32Array, table: Float32Array, out: Float32Array, count: number, dim: number): void => {
    this.live();
    if (count <= 0 || dim <= 0) return;
    checkIds(ids, count, Math.floor(table.length / dim));
    checkRange(out, 0, count * dim);
    const threads = this.threadsFor(count * dim, NS_PER_ELEMENT.embedding);
    this.p[0] = count;
    this.p[1] = dim;
    this.p[2] = threads;
    this.timed(threads, () => this.addon.embedding(this.ctx, ids, table, out));
  };

  embeddingBackward = (
    ids: Int32Array,
    dOut: Float32Array,
    dTable: Float32Array,
    count: number,
    dim: number,
  ): void => {
    this.live();
    if (count <= 0 || dim <= 0) return;
    checkIds(ids, count, Math.floor(dTable.length / dim));
    checkRange(dOut, 0, count * dim);
    const threads = this.threadsFor(count * dim, NS_PER_ELEMENT.embeddingBackward);
    this.p[0] = count;
    this.p[1] = dim;
    this.p[2] = threads;
    this.timed(threads, () => this.addon.embeddingBackward(this.ctx, ids, dOut, dTable));
  };

  dropout = (s: DropoutSpec): void => {
    this.live();
    const n = s.n;
    if (n <= 0) return;
    checkRange(s.x, 0, n);
    checkRange(s.y, 0, n);
    const threads = this.threadsFor(n, NS_PER_ELEMENT.dropout);
    this.p[0] = n;
    // Seeds as unsigned 32-bit values; the addon takes their low 32 bits.
    this.p[1] = s.seed0 >>> 0;
    this.p[2] = s.seed1 >>> 0;
    this.p[3] = s.threshold;
    this.p[4] = s.scale;
    this.p[5] = s.accumulate ? 1 : 0;
    this.p[6] = threads;
    this.timed(threads, () => this.addon.dropout(this.ctx, s.x, s.y));
  };

  add = (a: Float32Array, b: Float32Array, y: Float32Array, n: number): void => {
    this.live();
    if (n <= 0) return;
    checkRange(a, 0, n);
    checkRange(b, 0, n);
    checkRange(y, 0, n);
    const threads = this.threadsFor(n, NS_PER_ELEMENT.add);
    this.p[0] = n;
    this.p[1] = threads;
    this.timed(threads, () => this.addon.add(this.ctx, a, b, y));
  };

  sumRows = (x: Float32Array, rows: number, cols: number, out: Float32Array): void => {
    this.live();
    if (rows <= 0 || cols <= 0) return;
    checkRange(x, 0, rows * cols);
    checkRange(out, 0, cols);
    const threads = this.threadsFor(rows * cols, NS_PER_ELEMENT.sumRows);
    this.p[0] = rows;
    this.p[1] = cols;
    this.p[2] = threads;
    this.timed(threads, () => this.addon.sumRows(this.ctx, x, out));
  };

  adamw = (s: AdamWSpec): void => {
    this.live();
    const n = s.n;
    if (n <= 0) return;
    for (const a of [s.param, s.grad, s.m, s.v]) checkRange(a, 0, n);
    // Scalars in double precision, as the reference computes them, then rounded once (as wasm).
    const bc1 = 1 - Math.pow(s.beta1, s.step);
    const bc2 = 1 - Math.pow(s.beta2, s.step);
    const threads = this.threadsFor(n, NS_PER_ELEMENT.adamw);
    const p = this.p;
    p[0] = n;
    p[1] = 1 - s.lr * s.weightDecay;
    p[2] = s.beta1;
    p[3] = 1 - s.beta1;
    p[4] = s.beta2;
    p[5] = 1 - s.beta2;
    p[6] = s.lr / bc1;
    p[7] = Math.sqrt(bc2);
    p[8] = s.eps;
    p[9] = threads;
    this.timed(threads, () => this.addon.adamw(this.ctx, s.param, s.grad, s.m, s.v));
  };

  /**
   * GFLOP/s of a register-resident multiply-add loop on `threads` threads at once: the most the
   * kernels could reach on this machine (best of `rounds`).
   */
  peakGflops(threads = this.threads, rounds = 5): number {
    this.live();
    let best = 0;
    for (let r = 0; r < rounds; r++) {
      this.p[0] = Math.min(threads, this.threads);
      this.p[1] = 20_000_000;
      best = Math.max(best, this.addon.peak(this.ctx));
    }
    return best;
  }

  allocState(n: number): Float32Array {
    return new Float32Array(n);
  }

  /**
   * Buffers given back by `returnFloats`, by size class, newest last: a training step's scope borrows
   * the same sizes every step, and reusing them saves the kernel of the operating system zeroing and
   * faulting in hundreds of MB of fresh pages each step.
   */
  private readonly pooled = new Map<number, ArrayBuffer[]>();
  private pooledBytes = 0;

  borrowFloats = (n: number, zero: boolean): Float32Array | null => {
    if (this.disposed) return null;
    const bytes = sizeClass(n * 4);
    const buffer = this.pooled.get(bytes)?.pop();
    if (!buffer) return new Float32Array(new ArrayBuffer(bytes), 0, n);
    this.pooledBytes -= bytes;
    const array = new Float32Array(buffer, 0, n);
    if (zero) array.fill(0);
    return array;
  };

  returnFloats = (array: Float32Array): void => {
    const buffer = array.buffer;
    if (this.disposed || !(buffer instanceof ArrayBuffer) || array.byteOffset !== 0) return;
    const bytes = buffer.byteLength;
    // Only our own buffers (a size class exactly), and not past the cap: the rest is left to the GC.
    if (bytes !== sizeClass(bytes) || this.pooledBytes + bytes > MAX_POOLED_BYTES) return;
    let list = this.pooled.get(bytes);
    if (!list) this.pooled.set(bytes, (list = []));
    list.push(buffer);
    this.pooledBytes += bytes;
  };

  dispose = (): void => {
    if (this.disposed) return;
    this.disposed = true;
    this.pooled.clear();
    this.addon.dispose(this.ctx);
  };
}

/** The native backend, or the reason it cannot run here (not built, or the CPU lacks `isa`). */
export function createNativeKernels(opts: NativeKernelOptions): NativeKernels {
  const addon = loadNativeAddon();
  if (addon instanceof Error) throw addon;
  return new NativeKernels(addon, opts);
}

/** The instruction sets this CPU runs, fastest first; empty when the addon is not built. */
export function nativeIsas(): NativeIsa[] {
  const addon = loadNativeAddon();
  if (addon instanceof Error) return [];
  return addon.supportedIsas().split(',').filter(Boolean) as NativeIsa[];
}
