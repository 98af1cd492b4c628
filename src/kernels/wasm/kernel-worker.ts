import type { WasmMemory, WasmModule } from './wasm-api.js';

/** What a kernel worker is started with: the compiled module, the shared memory and its place in the pool. */
export interface KernelWorkerData {
  module: WasmModule;
  memory: WasmMemory;
  /** Byte address of the control block (see pool.ts's CONTROL). */
  controlPtr: number;
  /** The worker's thread number, 1 … threads − 1 (the caller's thread is 0). */
  index: number;
  slots: Readonly<Record<string, number>>;
  /** How long (ms) the worker polls for the next job before it sleeps. */
  spinMs: number;
}

/**
 * A started kernel worker, whatever runs it: a Node worker thread (worker-host.ts) or a Web Worker
 * (worker-host.browser.ts). Both run worker-loop.mjs over the same shared memory.
 */
export interface KernelWorker {
  /** Settles when the worker has instantiated the module and waits for jobs; rejects if it failed to. */
  readonly ready: Promise<void>;
  terminate(): void;
}
