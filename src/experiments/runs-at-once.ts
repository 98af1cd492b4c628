// Several trainings of a study at once, each on a worker thread with its share of the threads. Small
// models use two threads poorly (bert-tiny LoRA runs 1.5 times as fast on two as on one: its kernel
// calls are short and the JavaScript between them runs on one), so two runs on one thread each get
// more done than one run on two.
import { Worker } from 'node:worker_threads';
import { UserError } from '../errors.js';
import { abortReason, TrainingInterrupted } from '../train/training-errors.js';
import type { RunResults } from '../train/results.js';
import type { TrainProgress } from '../train/trainer.js';
import type { RunWorkerCommand, RunWorkerData, RunWorkerMessage } from './run-worker.js';

export interface WorkerRunCallbacks {
  log: (line: string) => void;
  onProgress: (p: TrainProgress) => void;
  /** Aborting it stops the run at its next step, with a checkpoint, as in one thread. */
  signal?: AbortSignal;
}

/**
 * A worker on the script beside this module: the compiled JavaScript; or, run from the TypeScript
 * sources (the tests), the .ts file loaded through tsx's loader, which a worker's entry does not get
 * from the parent's --import.
 */
function startWorker(workerData: RunWorkerData): Worker {
  if (!import.meta.url.endsWith('.ts'))
    return new Worker(new URL('./run-worker.js', import.meta.url), { workerData });
  const script = new URL('./run-worker.ts', import.meta.url).href;
  const load = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(script)}); })`;
  return new Worker(load, { eval: true, workerData });
}

/** A run on its worker thread. */
export interface WorkerRun {
  /** Its results, or its failure as the same kind of error (a UserError keeps its sentence). */
  results: Promise<RunResults>;
  /** Computes on this many threads from its next step on (native kernels; others ignore it). */
  useThreads(threads: number): void;
}

export function trainOnWorker(data: RunWorkerData, callbacks: WorkerRunCallbacks): WorkerRun {
  const worker = startWorker(data);
  const send = (command: RunWorkerCommand) => worker.postMessage(command);
  return {
    results: workerResults(worker, callbacks),
    useThreads: (threads) => send({ type: 'threads', threads }),
  };
}

function workerResults(worker: Worker, callbacks: WorkerRunCallbacks): Promise<RunResults> {
  const { signal } = callbacks;
  const stop = () =>
    worker.postMessage({ type: 'stop', reason: abortReason(signal) } satisfies RunWorkerCommand);
  return new Promise<RunResults>((resolve, reject) => {
    let settled = false;
    const settle = (action: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', stop);
      action();
    };
    if (signal?.aborted) stop();
    else signal?.addEventListener('abort', stop, { once: true });
    worker.on('message', (m: RunWorkerMessage) => {
      if (m.type === 'log') callbacks.log(m.line);
      else if (m.type === 'progress') callbacks.onProgress(m.progress);
      else if (m.type === 'done') settle(() => resolve(m.results));
      else settle(() => reject(failure(m, signal)));
    });
    worker.on('error', (error) => settle(() => reject(error)));
    worker.on('exit', (code) =>
      settle(() =>
        reject(new Error(`A training worker stopped (exit code ${code}) before its run finished.`)),
      ),
    );
  });
}

function failure(m: Extract<RunWorkerMessage, { type: 'failed' }>, signal?: AbortSignal): Error {
  if (m.interrupted)
    return new TrainingInterrupted(m.interrupted.step, m.interrupted.checkpoint, abortReason(signal));
  return m.userError ? new UserError(m.message) : new Error(m.message);
}

/**
 * Runs `tasks` (in the order given), at most `jobs` at once; their results in that order. The first
 * failure aborts the others (through the signal each task gets, which stops a training at its next
 * step with a checkpoint) and is thrown once all have settled.
 */
export async function atMostAtOnce<T>(
  tasks: readonly ((signal: AbortSignal) => Promise<T>)[],
  jobs: number,
  signal?: AbortSignal,
): Promise<T[]> {
  const stopAll = new AbortController();
  const onAbort = () => stopAll.abort(signal?.reason);
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });
  const results: T[] = new Array<T>(tasks.length);
  let failed: { error: unknown } | null = null;
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < tasks.length && !stopAll.signal.aborted) {
      const index = next++;
      try {
        results[index] = await tasks[index](stopAll.signal);
      } catch (error) {
        failed ??= { error };
        stopAll.abort('failed');
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(jobs, tasks.length) }, lane));
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  if (failed) throw (failed as { error: unknown }).error;
  if (stopAll.signal.aborted) throw new Error('The study was stopped before every run had started.');
  return results;
}
