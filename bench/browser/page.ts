// The browser benchmark's page: `runBench(options)` runs one benchmark in a fresh worker (the kernels
// block their caller between jobs, which a page's main thread may not) and resolves with its result.
declare global {
  interface Window {
    runBench(options: unknown): Promise<unknown>;
  }
}

window.runBench = (options) =>
  new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./bench-worker.js', import.meta.url), { type: 'module' });
    worker.onmessage = (event: MessageEvent<{ ok: boolean; result?: unknown; error?: string }>) => {
      worker.terminate();
      if (event.data.ok) resolve(event.data.result);
      else reject(new Error(event.data.error));
    };
    worker.onerror = (event) => reject(new Error(event.message));
    worker.postMessage(options);
  });

export {};
