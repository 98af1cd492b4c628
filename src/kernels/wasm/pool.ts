import type { KernelWorker } from './kernel-worker.js';
import type { WasmMemory, WasmModule } from './wasm-api.js';
import { startKernelWorker } from './worker-host.js';

/**
 * Slots of the control block (Int32, in shared memory) through which the main thread drives the
 * workers. The worker script gets these numbers through workerData, so they are defined only here.
 */
export const CONTROL = {
  /** Bumped once per job; workers sleep on it. */
  generation: 0,
  /** The last generation the main thread has closed: a worker waking later skips that job. */
  closed: 1,
  /** Workers inside a job; the main thread sleeps on it. */
  active: 2,
  quit: 3,
  /** Set by a worker whose job threw. */
  failed: 4,
  /** Byte address of the job block. */
  job: 5,
  /** Workers that have entered the current job (reset by the main thread before each). */
  entered: 6,
} as const;

/**
 * How long (ms) a worker polls for the next job before it sleeps (kernel calls come in bursts with
 * some JavaScript between them), and how long the main thread polls for the workers to finish.
 */
const WORKER_SPIN_MS = 0.1;
const MAIN_SPIN_MS = 0.05;

interface KernelExports {
  runJob(job: number, thread: number): void;
}

/**
 * threads − 1 workers (Node worker threads, or Web Workers in a browser: see worker-host.ts), each with
 * its own instance of the kernel module over the shared memory. The
 * main thread is thread 0: `run` wakes the workers, does its share of the job, then waits for them
 * with Atomics.wait, so every kernel call is synchronous for its caller.
 *
 * Work is pulled from a shared task counter, so the main thread alone finishes a job whose workers
 * were slow to wake (on a machine shared with other work, a woken thread can wait milliseconds for
 * a core). It then waits only for workers already inside the job: it marks the job closed, and a
 * worker that enters afterwards turns back. A worker announces itself (`active` + 1) before it checks
 * `closed`, and the main thread writes `closed` before it reads `active`; with sequentially
 * consistent atomics one of the two always sees the other.
 */
export class ThreadPool {
  private readonly workers: KernelWorker[];
  private readonly control: Int32Array;
  private disposed = false;

  private constructor(workers: KernelWorker[], control: Int32Array) {
    this.workers = workers;
    this.control = control;
  }

  static async create(
    module: WasmModule,
    memory: WasmMemory,
    controlPtr: number,
    threads: number,
  ): Promise<ThreadPool> {
    const control = new Int32Array(memory.buffer, controlPtr, Object.keys(CONTROL).length);
    control.fill(0);
    const workers: KernelWorker[] = [];
    for (let index = 1; index < threads; index++) {
      workers.push(
        startKernelWorker({ module, memory, controlPtr, index, slots: CONTROL, spinMs: WORKER_SPIN_MS }),
      );
    }
    const pool = new ThreadPool(workers, control);
    try {
      await Promise.all(workers.map((worker) => worker.ready));
    } catch (error) {
      pool.dispose();
      throw error;
    }
    return pool;
  }

  get threads(): number {
    return this.workers.length + 1;
  }

  /**
   * Runs the job in `jobPtr` on every thread that gets to it and returns when all are done.
   * `everyThread`: the job is closed only after every worker has entered it, so each thread runs its
   * share (the peak loop, where one thread doing another's loop would time two loops as one).
   */
  run(exports: KernelExports, jobPtr: number, everyThread = false): void {
    if (this.disposed) throw new Error('The kernel backend was disposed.');
    const c = this.control;
    if (this.workers.length === 0) {
      exports.runJob(jobPtr, 0);
      return;
    }
    Atomics.store(c, CONTROL.job, jobPtr);
    Atomics.store(c, CONTROL.failed, 0);
    Atomics.store(c, CONTROL.entered, 0);
    const generation = Atomics.add(c, CONTROL.generation, 1) + 1;
    Atomics.notify(c, CONTROL.generation);
    try {
      exports.runJob(jobPtr, 0);
      if (everyThread) {
        for (let e = Atomics.load(c, CONTROL.entered); e < this.workers.length;) {
          Atomics.wait(c, CONTROL.entered, e);
          e = Atomics.load(c, CONTROL.entered);
        }
      }
    } finally {
      // Even when our share threw, workers inside the job may still be writing: wait for them.
      Atomics.store(c, CONTROL.closed, generation);
      let active = Atomics.load(c, CONTROL.active);
      if (active > 0) {
        const until = performance.now() + MAIN_SPIN_MS;
        while (active > 0 && performance.now() < until) {
          for (let i = 0; i < 64 && active > 0; i++) active = Atomics.load(c, CONTROL.active);
        }
      }
      while (active > 0) {
        Atomics.wait(c, CONTROL.active, active);
        active = Atomics.load(c, CONTROL.active);
      }
    }
    if (Atomics.load(c, CONTROL.failed) !== 0) throw new Error('A kernel worker failed while running a job.');
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    // With no workers the control block is never read, and over an unshared memory its view may
    // have been detached by a grow.
    if (this.workers.length === 0) return;
    Atomics.store(this.control, CONTROL.quit, 1);
    Atomics.add(this.control, CONTROL.generation, 1);
    Atomics.notify(this.control, CONTROL.generation);
    for (const worker of this.workers) worker.terminate();
  }
}
