import { kernelModuleFile, type KernelModuleKind } from './module-kind.js';
import { WebAssemblyApi, type WasmModule } from './wasm-api.js';

// The browser build's twin of locate.ts: the kernels and the worker script are files beside the
// bundle (scripts/build-browser.mjs copies them there), fetched relative to it.

function beside(name: string): string {
  return new URL(`./${name}`, import.meta.url).href;
}

/** A browser has no package folder to find: only the native kernels (Node's alone) ask for it. */
export function packageRoot(): string {
  throw new Error('A browser has no package folder; the native kernels run in Node only.');
}

/** In a browser the module is fetched when needed; a missing file fails there with its URL. */
export function kernelWasmBuilt(): boolean {
  return true;
}

/** The URL of the Web Worker script (web-worker.mjs, bundled as kernel-worker.js). */
export function workerScriptPath(): string {
  return beside('kernel-worker.js');
}

/** By file name. */
const compiled = new Map<string, Promise<WasmModule>>();

/** Fetches and compiles a kernel module once per page or worker (`fma`: the relaxed-SIMD build). */
export function loadKernelModule(kind: KernelModuleKind = 'threads', fma = false): Promise<WasmModule> {
  const file = kernelModuleFile(kind, fma);
  let module = compiled.get(file);
  if (!module) {
    const url = beside(file);
    module = fetch(url).then(async (response) => {
      if (!response.ok)
        throw new Error(
          `The WebAssembly kernels could not be fetched from ${url} (HTTP ${response.status}).`,
        );
      return WebAssemblyApi.compile(new Uint8Array(await response.arrayBuffer()));
    });
    compiled.set(file, module);
    // A failed fetch may be retried by the next call.
    module.catch(() => compiled.delete(file));
  }
  return module;
}
