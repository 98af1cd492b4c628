// The machine's ceiling for these kernels: a multiply-add loop on registers only (12 independent
// chains, more than the add and multiply latencies × pipes of current cores), run exactly once by
// each thread. `bench matmul` reports GEMM throughput as a fraction of it.
// Not from the shared task counter: a thread woken late would leave the main thread to run its loop
// after its own, and n threads' flops would be timed over two loops' time (the 2-thread peak came out
// below twice the 1-thread one). The pool holds the job open until every worker has entered it.

import { argI, argP, jobThreads } from './job';
import { Fma } from './madd';

const CHAINS = 12;

/**
 * Job arguments: iterations, sink (one f32 per thread, so the loop's result is kept, then one i32 per
 * thread that the thread increments: its count of loops run). Flops: 8·12 per iteration.
 */
export function peakJob(job: usize, thread: i32): void {
  const iterations = argI(job, 0);
  const sink = argP(job, 1);
  const threads = jobThreads(job);
  if (thread < threads) {
    const t = thread;
    const m = f32x4.splat(0.9999999);
    const a = f32x4.splat(1e-7);
    let c0 = f32x4.splat(1.0);
    let c1 = f32x4.splat(1.001);
    let c2 = f32x4.splat(1.002);
    let c3 = f32x4.splat(1.003);
    let c4 = f32x4.splat(1.004);
    let c5 = f32x4.splat(1.005);
    let c6 = f32x4.splat(1.006);
    let c7 = f32x4.splat(1.007);
    let c8 = f32x4.splat(1.008);
    let c9 = f32x4.splat(1.009);
    let c10 = f32x4.splat(1.01);
    let c11 = f32x4.splat(1.011);
    for (let i = 0; i < iterations; i++) {
      c0 = Fma.mulAdd(c0, m, a);
      c1 = Fma.mulAdd(c1, m, a);
      c2 = Fma.mulAdd(c2, m, a);
      c3 = Fma.mulAdd(c3, m, a);
      c4 = Fma.mulAdd(c4, m, a);
      c5 = Fma.mulAdd(c5, m, a);
      c6 = Fma.mulAdd(c6, m, a);
      c7 = Fma.mulAdd(c7, m, a);
      c8 = Fma.mulAdd(c8, m, a);
      c9 = Fma.mulAdd(c9, m, a);
      c10 = Fma.mulAdd(c10, m, a);
      c11 = Fma.mulAdd(c11, m, a);
    }
    const s = f32x4.add(
      f32x4.add(
        f32x4.add(f32x4.add(c0, c1), f32x4.add(c2, c3)),
        f32x4.add(f32x4.add(c4, c5), f32x4.add(c6, c7)),
      ),
      f32x4.add(f32x4.add(c8, c9), f32x4.add(c10, c11)),
    );
    store<f32>(sink + ((<usize>t) << 2), f32x4.extract_lane(s, 0));
    const count = sink + ((<usize>(threads + t)) << 2);
    store<i32>(count, load<i32>(count) + 1);
  }
}

export const PEAK_FLOPS_PER_ITERATION: i32 = 8 * CHAINS;
