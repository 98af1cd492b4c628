// A kernel worker in a browser: a Web Worker (module type) that gets what a Node worker gets as
// workerData in its first message, then runs the loop of worker-loop.mjs. Atomics.wait, which the
// loop sleeps in, is allowed in workers (never on a page's main thread).
import { serveKernelJobs } from './worker-loop.mjs';

self.addEventListener(
  'message',
  (event) => {
    serveKernelJobs(event.data, () => self.postMessage('ready'));
  },
  { once: true },
);
