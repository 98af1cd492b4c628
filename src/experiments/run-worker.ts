// One training of a study on a worker thread of its own (runs-at-once.ts starts it): its own kernels
// on its share of the threads, messages for its log lines and progress, its results or its failure.
import { parentPort, workerData } from 'node:worker_threads';
import { createKernels, type Backend } from '../kernels/index.js';
import { useKernels } from '../kernels/active.js';
import { UserError } from '../errors.js';
import { TrainingInterrupted } from '../train/training-errors.js';
import { runTraining, type TrainRunOptions } from './train-run.js';
import type { RunResults } from '../train/results.js';
import type { TrainProgress } from '../train/trainer.js';

/** What the worker is started with: the run's options without their callbacks (its thread count too), and its kernels. */
export interface RunWorkerData {
  options: Omit<TrainRunOptions, 'signal' | 'log' | 'onProgress' | 'onEvalProgress'>;
  backend: Backend;
}

/** The worker's messages to the study. */
export type RunWorkerMessage =
  | { type: 'log'; line: string }
  | { type: 'progress'; progress: TrainProgress }
  | { type: 'done'; results: RunResults }
  | {
      type: 'failed';
      message: string;
      userError: boolean;
      interrupted?: { step: number; checkpoint: string | null };
    };

/**
 * The study's messages to the worker: stop at the next step, keeping a checkpoint; or compute on this
 * many threads from the next step on (the native kernels only: they work on the tensors' own memory,
 * and a thread count changes no result), when a finished run has left its threads free.
 */
export type RunWorkerCommand = { type: 'stop'; reason: string | null } | { type: 'threads'; threads: number };

async function main(port: NonNullable<typeof parentPort>, data: RunWorkerData): Promise<void> {
  const send = (message: RunWorkerMessage) => port.postMessage(message);
  const stop = new AbortController();
  let kernels = await createKernels({ backend: data.backend, threads: data.options.threads ?? 1 });
  useKernels(kernels);
  // The trainer's steps run synchronously, so a message is handled between two of them, when no kernel
  // call is running; nothing keeps the old kernels but the scopes that return memory to them.
  port.on('message', (m: RunWorkerCommand) => {
    if (m.type === 'stop') stop.abort(m.reason ?? undefined);
    else if (data.backend === 'native' && m.threads !== kernels.threads) void useThreads(m.threads);
  });
  let finished = false;
  const useThreads = async (threads: number) => {
    const next = await createKernels({ backend: 'native', threads });
    // A run that ended meanwhile must leave no thread pool behind: it would keep the worker alive.
    if (finished) return next.dispose();
    useKernels(next).dispose();
    kernels = next;
    send({ type: 'log', line: `now on ${threads} threads (a run finished)` });
  };
  try {
    const results = await runTraining({
      ...data.options,
      signal: stop.signal,
      log: (line) => send({ type: 'log', line }),
      onProgress: (progress) => send({ type: 'progress', progress }),
    });
    send({ type: 'done', results });
  } catch (error) {
    const e = error as Error;
    send({
      type: 'failed',
      message: e.message,
      userError: e instanceof UserError,
      ...(e instanceof TrainingInterrupted
        ? { interrupted: { step: e.step, checkpoint: e.checkpoint } }
        : {}),
    });
  } finally {
    finished = true;
    kernels.dispose();
    port.close();
  }
}

if (parentPort) void main(parentPort, workerData as RunWorkerData);
