/**
 * GEMM throughput of a kernel backend: C = op(A)·op(B), 2·m·n·k flops per call.
 *
 * `gflops` runs on operands already in the backend's memory (borrowFloats), so it measures the
 * kernel; `gflops_with_copies` passes ordinary Float32Arrays, as most callers do, and so includes
 * copying A and B in and C out. Each call is timed on its own and the median is reported: on a
 * machine shared with other work the mean is dominated by whoever else ran.
 *
 * Beside the throughput stands the backend's measured peak on the same threads: a multiply-add loop
 * on registers only (native/src/gemm-impl.h, assembly/peak.ts), so `fraction_of_peak` says how near
 * the GEMM comes to what these cores do for this backend's instructions (the wasm backend's relaxed
 * build has its own loop, with fused multiply-adds as its GEMM).
 */
import { createKernels, NativeKernels, WasmKernels, type Backend } from '../src/kernels/index.js';
import type { GemmSpec, Kernels } from '../src/kernels/kernels.js';
import { Rng } from '../src/tensor/random.js';

export interface MatmulBenchOptions {
  m: number;
  k: number;
  n: number;
  transA: boolean;
  transB: boolean;
  threads: number;
  /** Default: the default backend (native where built). */
  backend?: Backend;
  /** Timed calls per mode; default: as many as fit in about a second (at least 3). */
  iterations?: number;
}

/**
 * BERT-base's projections at batch 32, length 128 (4096 tokens), m×k×n as torch.nn.Linear runs them:
 * forward y = x·Wᵀ, backward dx = dy·W and dW = dyᵀ·x; hidden 768, intermediate 3072.
 */
export const BERT_BASE_SHAPES: readonly Omit<MatmulBenchOptions, 'threads' | 'backend' | 'iterations'>[] = [
  { m: 4096, k: 768, n: 768, transA: false, transB: false },
  { m: 4096, k: 768, n: 768, transA: false, transB: true },
  { m: 768, k: 4096, n: 768, transA: true, transB: false },
  { m: 4096, k: 768, n: 3072, transA: false, transB: true },
  { m: 4096, k: 3072, n: 768, transA: false, transB: false },
  { m: 3072, k: 4096, n: 768, transA: true, transB: false },
  { m: 4096, k: 3072, n: 768, transA: false, transB: true },
  { m: 4096, k: 768, n: 3072, transA: false, transB: false },
  { m: 768, k: 4096, n: 3072, transA: true, transB: false },
];

export interface MatmulBenchResult {
  m: number;
  k: number;
  n: number;
  transA: boolean;
  transB: boolean;
  threads: number;
  backend: Backend;
  /** The native backend's instruction set (avx512, avx2, generic); absent for the others. */
  isa?: string;
  /** The wasm backend's build: relaxed SIMD with fused multiply-add (LORA_LAB_WASM_FMA=1), or plain; absent for the others. */
  fma?: boolean;
  seconds_per_call: number;
  gflops: number;
  gflops_with_copies: number;
  /** GFLOP/s of the backend's register-resident multiply-add loop on `threads` threads; null for reference. */
  peak_gflops: number | null;
  /** The same loop on one thread. */
  peak_gflops_1_thread: number | null;
  /** gflops / peak_gflops. */
  fraction_of_peak: number | null;
  /** Flops per CPU second of the timed calls (all threads): one thread's rate while it runs. */
  cpu_gflops_per_thread: number;
  /** The one-thread loop's flops per CPU second. */
  peak_gflops_1_thread_by_cpu_time: number | null;
  /** cpu_gflops_per_thread / peak_gflops_1_thread_by_cpu_time: the fraction of peak with other work's turns left out. */
  fraction_of_peak_by_cpu_time: number | null;
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

/** CPU seconds (all threads, user and system) of the last `timeCalls` timed calls, and how many there were. */
let lastCpu = { seconds: 0, calls: 0 };

/** Median seconds of one call, after a warm-up. */
function timeCalls(kernels: Kernels, s: GemmSpec, iterations: number | undefined): number {
  const warmupStart = performance.now();
  for (let i = 0; i < WARMUP_CALLS || performance.now() - warmupStart < WARMUP_SECONDS * 1000; i++) {
    kernels.gemm(s);
  }
  const times: number[] = [];
  const cpu0 = process.cpuUsage();
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
  const cpu = process.cpuUsage(cpu0);
  lastCpu = { seconds: (cpu.user + cpu.system) / 1e6, calls: times.length };
  return median(times);
}

/** The backend's peak on `threads` threads and on one; null for the reference backend, which has no loop. */
export function peaks(kernels: Kernels): Peaks {
  const inner = kernels instanceof NativeKernels || kernels instanceof WasmKernels ? kernels : null;
  if (!inner) return { threads: null, one: null, oneByCpu: null };
  // One thread's loop per CPU second: its flops (rate × wall time) over the CPU time it took.
  let oneByCpu = 0;
  for (let round = 0; round < 5; round++) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const rate = inner.peakGflops(1, 1);
    const wall = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    oneByCpu = Math.max(oneByCpu, (rate * wall) / ((cpu.user + cpu.system) / 1e6));
  }
  return { threads: inner.peakGflops(kernels.threads), one: inner.peakGflops(1), oneByCpu };
}

export interface Peaks {
  threads: number | null;
  one: number | null;
  oneByCpu: number | null;
}

export async function benchMatmul(opts: MatmulBenchOptions): Promise<MatmulBenchResult> {
  return (await benchMatmulShapes([opts], opts))[0];
}

/** Several shapes on one backend, whose peak is measured once, before them. */
export async function benchMatmulShapes(
  shapes: readonly Omit<MatmulBenchOptions, 'threads' | 'backend' | 'iterations'>[],
  common: Pick<MatmulBenchOptions, 'threads' | 'backend' | 'iterations'>,
  onResult?: (r: MatmulBenchResult) => void,
): Promise<MatmulBenchResult[]> {
  const kernels = await createKernels({ backend: common.backend, threads: common.threads });
  try {
    const peak = peaks(kernels);
    const results: MatmulBenchResult[] = [];
    for (const shape of shapes) {
      const r = benchOne(kernels, { ...shape, ...common }, peak);
      onResult?.(r);
      results.push(r);
    }
    return results;
  } finally {
    kernels.dispose();
  }
}

export function benchOne(kernels: Kernels, opts: MatmulBenchOptions, peak: Peaks): MatmulBenchResult {
  const { m, k, n } = opts;
  const rng = new Rng(1);
  const flops = 2 * m * n * k;
  const a = fillRandom(rng, new Float32Array(m * k));
  const b = fillRandom(rng, new Float32Array(k * n));

  // In the backend's own memory, borrowed for this shape only (returned newest first).
  const borrow = (len: number): Float32Array => kernels.borrowFloats(len, false) ?? new Float32Array(len);
  const wa = borrow(m * k);
  const wb = borrow(k * n);
  const wc = borrow(m * n);
  wa.set(a);
  wb.set(b);
  let seconds: number;
  try {
    seconds = timeCalls(kernels, spec(opts, wa, wb, wc), opts.iterations);
  } finally {
    for (const w of [wc, wb, wa]) kernels.returnFloats(w);
  }
  // On a machine shared with other work the wall time counts the others' turns too; the CPU time
  // counts only ours, so flops per CPU second say how fast a thread computes while it runs.
  const cpuGflops = (flops * lastCpu.calls) / lastCpu.seconds / 1e9;

  // The native backend works on ordinary arrays in place: nothing to copy, nothing more to time.
  const secondsWithCopies =
    kernels instanceof NativeKernels
      ? seconds
      : timeCalls(kernels, spec(opts, a, b, new Float32Array(m * n)), opts.iterations);
  const gflops = flops / seconds / 1e9;
  return {
    m,
    k,
    n,
    transA: opts.transA,
    transB: opts.transB,
    threads: kernels.threads,
    backend: kernels.name as Backend,
    ...(kernels instanceof NativeKernels ? { isa: kernels.isa } : {}),
    ...(kernels instanceof WasmKernels ? { fma: kernels.fma } : {}),
    seconds_per_call: seconds,
    gflops,
    gflops_with_copies: flops / secondsWithCopies / 1e9,
    peak_gflops: peak.threads,
    peak_gflops_1_thread: peak.one,
    fraction_of_peak: peak.threads === null ? null : gflops / peak.threads,
    cpu_gflops_per_thread: cpuGflops,
    peak_gflops_1_thread_by_cpu_time: peak.oneByCpu,
    fraction_of_peak_by_cpu_time: peak.oneByCpu === null ? null : cpuGflops / peak.oneByCpu,
  };
}
