import { Worker } from 'node:worker_threads';
import { workerScriptPath } from './locate.js';
import type { WasmMemory, WasmModule } from './wasm-api.js';

/**
 * Slots of the control block (Int32, in shared memory) through which the main thread drives the
 * workers. The worker script gets these numbers through workerData, so they are defined only here.
 */
export const CONTROL = {
  /** Bumped once per job; workers sleep on it. */
  generation: 0,
  /** Workers that finished the current job; the main thread sleeps on it. */
  done: 1,
  quit: 2,
  /** Set by a worker whose job threw. */
  failed: 3,
  /** Byte address of the job block. */
  job: 4,
} as const;

/** How long a worker polls for the next job before it sleeps: kernels come in quick bursts. */
const WORKER_SPINS = 20000;
const MAIN_SPINS = 20000;

interface KernelExports {
  runJob(job: number, thread: number): void;
}

/**
 * threads − 1 workers, each with its own instance of the kernel module over the shared memory. The
 * main thread is thread 0: `run` wakes the workers, does its share of the job, then waits for them
 * with Atomics.wait, so every kernel call is synchronous for its caller.
 */
export class ThreadPool {
  private readonly workers: Worker[];
  private readonly control: Int32Array;
  private disposed = false;

  private constructor(workers: Worker[], control: Int32Array) {
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
    const script = workerScriptPath();
    const workers: Worker[] = [];
    const ready: Promise<void>[] = [];
    for (let index = 1; index < threads; index++) {
      // execArgv [] keeps a TypeScript loader of the parent (tsx) out of the plain-JS worker.
      const worker = new Worker(script, {
        workerData: { module, memory, controlPtr, index, slots: CONTROL, spins: WORKER_SPINS },
        execArgv: [],
      });
      // A forgotten dispose() must not keep the process alive.
      worker.unref();
      workers.push(worker);
      ready.push(
        new Promise<void>((resolve, reject) => {
          worker.once('message', () => resolve());
          worker.once('error', reject);
          worker.once('exit', (code) =>
            reject(new Error(`A kernel worker exited (code ${code}) while starting.`)),
          );
        }),
      );
    }
    const pool = new ThreadPool(workers, control);
    try {
      await Promise.all(ready);
    } catch (error) {
      pool.dispose();
      throw error;
    }
    for (const worker of workers) worker.removeAllListeners();
    return pool;
  }

  get threads(): number {
    return this.workers.length + 1;
  }

  /** Runs the job in `jobPtr` on every thread and returns when all are done. */
  run(exports: KernelExports, jobPtr: number): void {
    if (this.disposed) throw new Error('The kernel backend was disposed.');
    const c = this.control;
    const workers = this.workers.length;
    if (workers === 0) {
      exports.runJob(jobPtr, 0);
      return;
    }
    Atomics.store(c, CONTROL.job, jobPtr);
    Atomics.store(c, CONTROL.done, 0);
    Atomics.store(c, CONTROL.failed, 0);
    Atomics.add(c, CONTROL.generation, 1);
    Atomics.notify(c, CONTROL.generation);
    try {
      exports.runJob(jobPtr, 0);
    } finally {
      // Even when our share threw, the workers may still be writing into memory: wait for them.
      let done = Atomics.load(c, CONTROL.done);
      for (let i = 0; done < workers && i < MAIN_SPINS; i++) done = Atomics.load(c, CONTROL.done);
      while (done < workers) {
        Atomics.wait(c, CONTROL.done, done);
        done = Atomics.load(c, CONTROL.done);
      }
    }
    if (Atomics.load(c, CONTROL.failed) !== 0) throw new Error('A kernel worker failed while running a job.');
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    Atomics.store(this.control, CONTROL.quit, 1);
    Atomics.add(this.control, CONTROL.generation, 1);
    Atomics.notify(this.control, CONTROL.generation);
    for (const worker of this.workers) void worker.terminate();
  }
}
