import type { Kernels } from './kernels.js';
import { createReferenceKernels } from './reference/index.js';
import { createWasmKernels } from './wasm/index.js';

/** What this file reads of a browser's globals; typed here, since the project compiles without the DOM's types. */
interface WebGlobals {
  crossOriginIsolated?: boolean;
  navigator?: { hardwareConcurrency?: number };
}

export interface WebKernels {
  kernels: Kernels;
  /** Whether SharedArrayBuffer is there (a cross-origin isolated page): without it, one thread. */
  isolated: boolean;
}

/**
 * The kernels for a page or a Web Worker (the browser build's counterpart of createKernels, which reads
 * the environment and the cores of a Node process): the WebAssembly kernels on `threads` threads (by
 * default every core the browser reports) where the page is cross-origin isolated, since their threads
 * share one SharedArrayBuffer memory; otherwise the reference kernels on one thread.
 */
export async function createWebKernels(options: { threads?: number } = {}): Promise<WebKernels> {
  const web = globalThis as WebGlobals;
  const isolated = typeof SharedArrayBuffer !== 'undefined' && web.crossOriginIsolated !== false;
  if (!isolated) return { kernels: createReferenceKernels(), isolated };
  const cores = web.navigator?.hardwareConcurrency ?? 1;
  const threads = Math.max(1, Math.min(options.threads ?? cores, 256));
  return { kernels: await createWasmKernels({ threads }), isolated };
}
