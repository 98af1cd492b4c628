import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kernelModuleFile, type KernelModuleKind } from './module-kind.js';
import { WebAssemblyApi, type WasmModule } from './wasm-api.js';

/**
 * The package root: the nearest folder above this file that holds package.json. The same walk works
 * from src/kernels/wasm under tsx and from dist/src/kernels/wasm after tsc, and inside node_modules.
 */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`No package.json above ${fileURLToPath(import.meta.url)}.`);
    dir = parent;
  }
}

function kernelWasmPath(file: string): string {
  return join(packageRoot(), 'build', file);
}

export function kernelWasmBuilt(): boolean {
  return existsSync(kernelWasmPath(kernelModuleFile('threads', false)));
}

/**
 * The worker script is plain JavaScript so that it runs without a TypeScript loader. tsc does not copy
 * it to dist/, so next to this module (src/ under tsx) is tried first, then the one under src/.
 */
export function workerScriptPath(): string {
  const beside = fileURLToPath(new URL('./worker.mjs', import.meta.url));
  if (existsSync(beside)) return beside;
  return join(packageRoot(), 'src', 'kernels', 'wasm', 'worker.mjs');
}

/** By file name. */
const compiled = new Map<string, Promise<WasmModule>>();

/**
 * Compiles a kernel module once per process; every backend and worker instantiates it. `fma`: the
 * relaxed-SIMD build (the caller has checked that the runtime validates relaxed SIMD).
 */
export function loadKernelModule(kind: KernelModuleKind = 'threads', fma = false): Promise<WasmModule> {
  const file = kernelModuleFile(kind, fma);
  let module = compiled.get(file);
  if (!module) {
    const path = kernelWasmPath(file);
    if (!existsSync(path)) {
      return Promise.reject(
        new Error(`The WebAssembly kernels are not built (${path} is missing); run "npm run build:wasm".`),
      );
    }
    module = WebAssemblyApi.compile(readFileSync(path));
    compiled.set(file, module);
  }
  return module;
}
