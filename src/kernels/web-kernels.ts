import type { Kernels } from './kernels.js';
import { createReferenceKernels } from './reference/index.js';
import { createWasmKernels } from './wasm/index.js';

/** What this file reads of a browser's globals; typed here, since the project compiles without the DOM's types. */
interface WebGlobals {
  crossOriginIsolated?: boolean;
  navigator?: { hardwareConcurrency?: number };
}

/**
 * Which kernels a page or worker got: the WebAssembly ones on shared memory (`wasm-threads`), the
 * single-thread WebAssembly module (`wasm-single`), or, where WebAssembly failed to start, the
 * JavaScript reference kernels.
 */
export type WebKernelsKind = 'wasm-threads' | 'wasm-single' | 'reference';

export interface WebKernels {
  kernels: Kernels;
  kind: WebKernelsKind;
  /** Whether SharedArrayBuffer is there (a cross-origin isolated page): without it, one thread. */
  isolated: boolean;
  /** Whether the WebAssembly kernels are the relaxed-SIMD build (fused multiply-add), chosen where the browser validates it. */
  fma: boolean;
  /** Why the WebAssembly kernels did not start, when `kind` is `reference`. */
  failure?: string;
}

/**
 * The kernels for a page or a Web Worker (the browser build's counterpart of createKernels, which reads
 * the environment and the cores of a Node process): the WebAssembly kernels on `threads` threads (by
 * default every core the browser reports) where the page is cross-origin isolated, since their threads
 * share one SharedArrayBuffer memory; otherwise the single-thread WebAssembly module on one thread.
 * Either is the relaxed-SIMD build (fused multiply-add) where the browser validates relaxed SIMD.
 */
export async function createWebKernels(
  options: {
    threads?: number;
    /** The most memory the WebAssembly kernels may use (default, and at most, 4 GiB); see createWasmKernels. */
    memoryLimitBytes?: number;
  } = {},
): Promise<WebKernels> {
  const web = globalThis as WebGlobals;
  const isolated = typeof SharedArrayBuffer !== 'undefined' && web.crossOriginIsolated !== false;
  const limit = options.memoryLimitBytes !== undefined ? { memoryLimitBytes: options.memoryLimitBytes } : {};
  try {
    if (!isolated) {
      const kernels = await createWasmKernels({ threads: 1, module: 'single', ...limit });
      return { kernels, kind: 'wasm-single', isolated, fma: kernels.fma };
    }
    const cores = web.navigator?.hardwareConcurrency ?? 1;
    const threads = Math.max(1, Math.min(options.threads ?? cores, 256));
    const kernels = await createWasmKernels({ threads, ...limit });
    return { kernels, kind: 'wasm-threads', isolated, fma: kernels.fma };
  } catch (error) {
    // A browser without WebAssembly SIMD, or a module that could not be fetched: slower, still right.
    const failure = error instanceof Error ? error.message : String(error);
    return { kernels: createReferenceKernels(), kind: 'reference', isolated, fma: false, failure };
  }
}
