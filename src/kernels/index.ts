import { availableParallelism } from 'node:os';
import { UserError } from '../errors.js';
import type { Kernels } from './kernels.js';
import { createReferenceKernels } from './reference/index.js';
import { createWasmKernels } from './wasm/index.js';
import { kernelWasmBuilt } from './wasm/locate.js';
import { enableRelaxedSimd } from './wasm/relaxed-simd.js';
import { createNativeKernels, NATIVE_ISAS, type NativeIsa } from './native/index.js';
import { loadNativeAddon, nativeKernelsBuilt } from './native/addon.js';
import { profiledKernels, profiler } from './profile.js';

export type {
  AdamWSpec,
  DropoutSpec,
  GemmSpec,
  Kernels,
  LayerNormBackwardSpec,
  LayerNormSpec,
  SoftmaxSpec,
} from './kernels.js';
export { kernels, useKernels } from './active.js';
export { KernelMemoryExhausted } from './memory-exhausted.js';
export { createReferenceKernels } from './reference/index.js';
export { dropoutHash, dropoutThreshold } from './reference/dropout.js';
export { formatProfile, profiledKernels, profiler } from './profile.js';
export type { ProfileEntry } from './profile.js';
export { allocCollectedWasmF32, allocWasmF32, createWasmKernels, WasmKernels } from './wasm/index.js';
export { createNativeKernels, NativeKernels, nativeIsas, NATIVE_ISAS } from './native/index.js';
export type { NativeIsa } from './native/index.js';
export { nativeKernelsBuilt } from './native/addon.js';

const MAX_THREADS = 256;

export const BACKENDS = ['native', 'wasm', 'reference'] as const;
export type Backend = (typeof BACKENDS)[number];

export interface CreateKernelsOptions {
  /**
   * Default: LORA_LAB_BACKEND when set, else native where `npm ci` built the addon (the machine had a
   * C++ compiler), else wasm.
   */
  backend?: Backend;
  /** The native backend's instruction set; default LORA_LAB_NATIVE_ISA when set, else the fastest the CPU runs. */
  isa?: NativeIsa;
  /** Default: LORA_LAB_THREADS when set, else the number of cores. The reference backend has one. */
  threads?: number;
  /**
   * The WebAssembly backend's relaxed-SIMD build (fused multiply-add in the GEMM: faster, results
   * differ in the last bits). Default: LORA_LAB_WASM_FMA (0 or 1) when set, else off.
   */
  fma?: boolean;
}

function checkThreads(value: number, source: string, shown: string = String(value)): number {
  if (!Number.isInteger(value) || value < 1 || value > MAX_THREADS) {
    throw new UserError(`${source} must be a whole number from 1 to ${MAX_THREADS}, not "${shown}".`);
  }
  return value;
}

/** LORA_LAB_THREADS when set (checked), else the number of cores, at most MAX_THREADS. */
export function defaultThreads(): number {
  const env = process.env.LORA_LAB_THREADS;
  if (env !== undefined && env.trim() !== '') {
    return checkThreads(Number(env.trim()), 'LORA_LAB_THREADS', env);
  }
  return Math.min(availableParallelism(), MAX_THREADS);
}

/**
 * LORA_LAB_PARALLEL_MIN_NS when set (checked): jobs estimated below this many nanoseconds stay on the
 * main thread. 0 sends every job, however small, through all threads, so that a test on a tiny model
 * exercises the threads' scheduling as a real model does. Unset: the backend's default.
 */
function parallelMinNs(): number | undefined {
  const env = process.env.LORA_LAB_PARALLEL_MIN_NS;
  if (env === undefined || env.trim() === '') return undefined;
  const value = Number(env.trim());
  if (!Number.isFinite(value) || value < 0) {
    throw new UserError(`LORA_LAB_PARALLEL_MIN_NS must be a number of nanoseconds, 0 or more, not "${env}".`);
  }
  return value;
}

/**
 * Whether the WebAssembly backend uses its fused multiply-add build: the option, else
 * LORA_LAB_WASM_FMA (checked), else no: the CFPB study's wasm numbers were made without it.
 * Asked for where the runtime has no relaxed SIMD, it fails with one sentence.
 */
function wasmFma(opts: CreateKernelsOptions): boolean {
  const env = process.env.LORA_LAB_WASM_FMA;
  let fma = opts.fma;
  if (fma === undefined && env !== undefined && env.trim() !== '') {
    if (env.trim() !== '0' && env.trim() !== '1') {
      throw new UserError(`LORA_LAB_WASM_FMA must be 0 or 1, not "${env}".`);
    }
    fma = env.trim() === '1';
  }
  if (fma && !enableRelaxedSimd()) {
    throw new UserError(
      `This Node (${process.version}) has no WebAssembly relaxed SIMD, which the fused multiply-add kernels need; unset LORA_LAB_WASM_FMA.`,
    );
  }
  return fma ?? false;
}

function checkBackend(value: string, source: string): Backend {
  if (!(BACKENDS as readonly string[]).includes(value)) {
    throw new UserError(`${source} must be one of ${BACKENDS.join(', ')}, not "${value}".`);
  }
  return value as Backend;
}

/**
 * LORA_LAB_BACKEND when set (checked), else the fastest built: native where the addon loads, else
 * wasm (the install said in one line why the addon was not built).
 */
export function defaultBackend(): Backend {
  const env = process.env.LORA_LAB_BACKEND;
  if (env !== undefined && env.trim() !== '') return checkBackend(env.trim(), 'LORA_LAB_BACKEND');
  return nativeKernelsBuilt() ? 'native' : 'wasm';
}

function nativeIsa(opts: CreateKernelsOptions): NativeIsa | undefined {
  const env = process.env.LORA_LAB_NATIVE_ISA;
  const value = opts.isa ?? (env !== undefined && env.trim() !== '' ? env.trim() : undefined);
  if (value !== undefined && !(NATIVE_ISAS as readonly string[]).includes(value)) {
    throw new UserError(
      `The native instruction set must be one of ${NATIVE_ISAS.join(', ')}, not "${value}".`,
    );
  }
  return value as NativeIsa | undefined;
}

/** The kernels to compute with: native where built, else WebAssembly, unless another is asked for. */
export async function createKernels(opts: CreateKernelsOptions = {}): Promise<Kernels> {
  const backend =
    opts.backend === undefined ? defaultBackend() : checkBackend(String(opts.backend), 'The kernel backend');
  // Checked for both backends, so a bad flag fails the same way whichever backend is picked.
  const threads =
    opts.threads === undefined ? defaultThreads() : checkThreads(opts.threads, 'The thread count');
  const profile = process.env.LORA_LAB_PROFILE === '1';
  if (profile) profiler.enabled = true;
  if (backend === 'reference') {
    const ref = createReferenceKernels();
    return profile ? profiledKernels(ref) : ref;
  }
  if (backend === 'native') {
    const addon = loadNativeAddon();
    if (addon instanceof Error) {
      throw new UserError(
        `The native kernels cannot run: ${addon.message}. Run "npm run build:native" (it needs a C++ compiler) or use --backend wasm.`,
      );
    }
    const isa = nativeIsa(opts);
    if (isa !== undefined && !addon.supportedIsas().split(',').includes(isa)) {
      throw new UserError(
        `This CPU cannot run the native kernels built for ${isa} (it runs ${addon.supportedIsas()}).`,
      );
    }
    const native = createNativeKernels({ threads, isa, parallelMinNs: parallelMinNs() });
    return profile ? profiledKernels(native) : native;
  }
  if (!kernelWasmBuilt()) {
    throw new UserError(
      'The WebAssembly kernels are not built; run "npm run build:wasm" or use the reference backend.',
    );
  }
  const wasm = await createWasmKernels({ threads, parallelMinNs: parallelMinNs(), fma: wasmFma(opts) });
  return profile ? profiledKernels(wasm) : wasm;
}
