/**
 * GEMM throughput of a kernel backend: C = op(A)·op(B), 2·m·n·k flops per call.
 *
 * `gflops` runs on operands already in the backend's memory (allocWasmF32), so it measures the
 * kernel; `gflops_with_copies` passes ordinary Float32Arrays, as most callers do, and so includes
 * copying A and B in and C out. Each call is timed on its own and the median is reported: on a
 * machine shared with other work the mean is dominated by whoever else ran.
 */
import { allocWasmF32, createKernels } from '../src/kernels/index.js';
import type { GemmSpec, Kernels } from '../src/kernels/kernels.js';
import { Rng } from '../src/tensor/random.js';

export interface MatmulBenchOptions {
  m: number;
  k: number;
  n: number;
  transA: boolean;
  transB: boolean;
  threads: number;
  backend: 'wasm' | 'reference';
  /** Timed calls per mode; default: as many as fit in about a second (at least 3). */
  iterations?: number;
}

export interface MatmulBenchResult {
  m: number;
  k: number;
  n: number;
  transA: boolean;
  transB: boolean;
  threads: number;
  backend: 'wasm' | 'reference';
  seconds_per_call: number;
  gflops: number;
  gflops_with_copies: number;
}

/**
 * Warm-up: at least this many calls and this long. V8 first runs wasm through its baseline compiler
 * and swaps in optimised code in the background; with only a few warm-up calls the first timed
 * ones still ran baseline code (8–12 ms instead of 7.7 for 4096×128×512 on 2 threads).
 */
const WARMUP_CALLS = 3;
const WARMUP_SECONDS = 0.5;
const DEFAULT_BUDGET_SECONDS = 1;

function spec(o: MatmulBenchOptions, a: Float32Array, b: Float32Array, c: Float32Array): GemmSpec {
  return {
    batch: 1,
    m: o.m,
    n: o.n,
    k: o.k,
    transA: o.transA,
    transB: o.transB,
    a,
    aOffset: 0,
    aStride: 0,
    b,
    bOffset: 0,
    bStride: 0,
    c,
    cOffset: 0,
    cStride: 0,
    alpha: 1,
    beta: 0,
  };
}

function fillRandom(rng: Rng, a: Float32Array): Float32Array {
  for (let i = 0; i < a.length; i++) a[i] = rng.uniform() * 2 - 1;
  return a;
}

function median(values: number[]): number {
  const s = [...values].sort((x, y) => x - y);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Median seconds of one call, after a warm-up. */
function timeCalls(kernels: Kernels, s: GemmSpec, iterations: number | undefined): number {
  const warmupStart = performance.now();
  for (let i = 0; i < WARMUP_CALLS || performance.now() - warmupStart < WARMUP_SECONDS * 1000; i++) {
    kernels.gemm(s);
  }
  const times: number[] = [];
  const start = performance.now();
  for (;;) {
    const t0 = performance.now();
    kernels.gemm(s);
    times.push((performance.now() - t0) / 1000);
    if (iterations !== undefined) {
      if (times.length >= iterations) break;
    } else if (times.length >= 3 && performance.now() - start >= DEFAULT_BUDGET_SECONDS * 1000) {
      break;
    }
  }
  return median(times);
}

export async function benchMatmul(opts: MatmulBenchOptions): Promise<MatmulBenchResult> {
  const { m, k, n } = opts;
  const kernels = await createKernels({ backend: opts.backend, threads: opts.threads });
  try {
    const rng = new Rng(1);
    const flops = 2 * m * n * k;
    const a = fillRandom(rng, new Float32Array(m * k));
    const b = fillRandom(rng, new Float32Array(k * n));

    const wa = allocWasmF32(kernels, m * k);
    const wb = allocWasmF32(kernels, k * n);
    const wc = allocWasmF32(kernels, m * n);
    wa.set(a);
    wb.set(b);
    const seconds = timeCalls(kernels, spec(opts, wa, wb, wc), opts.iterations);

    const c = new Float32Array(m * n);
    const secondsWithCopies = timeCalls(kernels, spec(opts, a, b, c), opts.iterations);

    return {
      m,
      k,
      n,
      transA: opts.transA,
      transB: opts.transB,
      threads: kernels.threads,
      backend: opts.backend,
      seconds_per_call: seconds,
      gflops: flops / seconds / 1e9,
      gflops_with_copies: flops / secondsWithCopies / 1e9,
    };
  } finally {
    kernels.dispose();
  }
}
