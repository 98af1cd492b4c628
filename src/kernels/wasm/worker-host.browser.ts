import type { KernelWorker, KernelWorkerData } from './kernel-worker.js';
import { workerScriptPath } from './locate.js';

/**
 * The browser build's twin of worker-host.ts: a kernel worker as a module Web Worker. The shared
 * memory and the compiled module travel in its first message, which needs a cross-origin isolated
 * page (SharedArrayBuffer); src/browser.ts falls back to one thread where the page is not.
 */
export function startKernelWorker(data: KernelWorkerData): KernelWorker {
  const worker = new Worker(workerScriptPath(), { type: 'module', name: `lora-lab kernels ${data.index}` });
  const ready = new Promise<void>((resolve, reject) => {
    worker.addEventListener('message', () => resolve(), { once: true });
    worker.addEventListener(
      'error',
      (event) =>
        reject(new Error(`A kernel worker failed to start: ${event.message || 'its script did not load'}.`)),
      { once: true },
    );
  });
  worker.postMessage(data);
  return {
    ready,
    terminate: () => worker.terminate(),
  };
}
