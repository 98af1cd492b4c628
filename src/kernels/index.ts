import { availableParallelism } from 'node:os';
import { UserError } from '../errors.js';
import type { Kernels } from './kernels.js';
import { createReferenceKernels } from './reference/index.js';
import { createWasmKernels } from './wasm/index.js';
import { kernelWasmBuilt } from './wasm/locate.js';
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
export { createReferenceKernels } from './reference/index.js';
export { dropoutHash, dropoutThreshold } from './reference/dropout.js';
export { formatProfile, profiledKernels, profiler } from './profile.js';
export type { ProfileEntry } from './profile.js';
export { allocCollectedWasmF32, allocWasmF32, createWasmKernels, WasmKernels } from './wasm/index.js';

const MAX_THREADS = 256;

export interface CreateKernelsOptions {
  backend?: 'wasm' | 'reference';
  /** Default: LORA_LAB_THREADS when set, else the number of cores. The reference backend has one. */
  threads?: number;
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

/** The kernels to compute with: the fast WebAssembly backend unless the reference one is asked for. */
export async function createKernels(opts: CreateKernelsOptions = {}): Promise<Kernels> {
  const backend = opts.backend ?? 'wasm';
  if (backend !== 'wasm' && backend !== 'reference') {
    throw new UserError(`The kernel backend must be "wasm" or "reference", not "${String(backend)}".`);
  }
  // Checked for both backends, so a bad flag fails the same way whichever backend is picked.
  const threads =
    opts.threads === undefined ? defaultThreads() : checkThreads(opts.threads, 'The thread count');
  const profile = process.env.LORA_LAB_PROFILE === '1';
  if (profile) profiler.enabled = true;
  if (backend === 'reference') {
    const ref = createReferenceKernels();
    return profile ? profiledKernels(ref) : ref;
  }
  if (!kernelWasmBuilt()) {
    throw new UserError(
      'The WebAssembly kernels are not built; run "npm run build:wasm" or use the reference backend.',
    );
  }
  const wasm = await createWasmKernels({ threads, parallelMinNs: parallelMinNs() });
  return profile ? profiledKernels(wasm) : wasm;
}
