import assert from 'node:assert/strict';
import { Rng } from '../../src/tensor/random.js';
import type { Kernels } from '../../src/kernels/kernels.js';
import { createWasmKernels } from '../../src/kernels/wasm/index.js';
import { enableRelaxedSimd } from '../../src/kernels/wasm/relaxed-simd.js';
import { createNativeKernels, nativeIsas, type NativeIsa } from '../../src/kernels/native/index.js';

/** The thread counts every fast kernel is tested with. */
export const THREAD_COUNTS = [1, 2] as const;

export function randomArray(rng: Rng, n: number, scale = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = (rng.uniform() * 2 - 1) * scale;
  return a;
}

export function normalArray(rng: Rng, n: number, scale = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal() * scale;
  return a;
}

/**
 * Asserts |actual − expected| ≤ atol + rtol·|expected| element-wise (NaN must match NaN), naming the
 * first element that fails.
 */
export function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  rtol: number,
  atol: number,
  what: string,
): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(e) && Number.isNaN(a)) continue;
    const ok = Math.abs(a - e) <= atol + rtol * Math.abs(e);
    if (!ok) assert.fail(`${what}: element ${i} is ${a}, expected ${e} (rtol ${rtol}, atol ${atol})`);
  }
}

/**
 * A fast backend under test: the WebAssembly one (`wasm:fma`: its relaxed-SIMD build, fused
 * multiply-add in the GEMM), or the native one on one of its instruction sets.
 */
export type FastKind = 'wasm' | 'wasm:fma' | `native:${NativeIsa}`;

/**
 * WebAssembly in both builds (the relaxed one with V8's flag turned on, as LORA_LAB_WASM_FMA=1 does;
 * tests/kernels/relaxed-simd.test.ts fails where it cannot be), and the native kernels on every
 * instruction set this CPU runs (avx2 and generic here, avx512 too where the CPU has it).
 * tests/kernels/native.test.ts fails when the addon is missing.
 */
export function fastKinds(): FastKind[] {
  const wasm: FastKind[] = enableRelaxedSimd() ? ['wasm', 'wasm:fma'] : ['wasm'];
  return [...wasm, ...nativeIsas().map((isa): FastKind => `native:${isa}`)];
}

/**
 * A backend of `kind` per thread count for a test file (dispose them in `after`). With more than one
 * thread every job goes through the workers, however small: the test data is small.
 */
export async function fastBackends(kind: FastKind): Promise<Map<number, Kernels>> {
  const map = new Map<number, Kernels>();
  for (const threads of THREAD_COUNTS) {
    const parallelMinNs = threads > 1 ? 0 : undefined;
    map.set(
      threads,
      kind === 'wasm' || kind === 'wasm:fma'
        ? await createWasmKernels({ threads, parallelMinNs, fma: kind === 'wasm:fma' })
        : createNativeKernels({ threads, parallelMinNs, isa: kind.slice('native:'.length) as NativeIsa }),
    );
  }
  return map;
}

export async function wasmBackends(): Promise<Map<number, Kernels>> {
  return fastBackends('wasm');
}
