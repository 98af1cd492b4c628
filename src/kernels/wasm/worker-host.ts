import { Worker } from 'node:worker_threads';
import type { KernelWorker, KernelWorkerData } from './kernel-worker.js';
import { workerScriptPath } from './locate.js';

/** A kernel worker on a Node worker thread (the browser build uses worker-host.browser.ts). */
export function startKernelWorker(data: KernelWorkerData): KernelWorker {
  // execArgv [] keeps a TypeScript loader of the parent (tsx) out of the plain-JS worker.
  const worker = new Worker(workerScriptPath(), { workerData: data, execArgv: [] });
  // A forgotten dispose() must not keep the process alive.
  worker.unref();
  const ready = new Promise<void>((resolve, reject) => {
    worker.once('message', () => resolve());
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`A kernel worker exited (code ${code}) while starting.`)));
  }).then(() => {
    worker.removeAllListeners();
  });
  return {
    ready,
    terminate: () => void worker.terminate(),
  };
}
