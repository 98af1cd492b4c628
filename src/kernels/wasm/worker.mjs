// A kernel worker on a Node worker thread: the loop of worker-loop.mjs, started with workerData.
// Plain JavaScript, so it runs the same under tsx and from the compiled dist/ without a TypeScript loader.
import { parentPort, workerData } from 'node:worker_threads';
import { serveKernelJobs } from './worker-loop.mjs';

serveKernelJobs(workerData, () => parentPort.postMessage('ready'));
