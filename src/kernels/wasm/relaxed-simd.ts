import { setFlagsFromString } from 'node:v8';
import { relaxedSimdValidates } from './relaxed-simd-probe.js';

// Node's side of choosing the fused multiply-add kernels (relaxed-simd.browser.ts is the browser's).

/**
 * Whether relaxed SIMD can be used, after turning on V8's flag for it where it is off: Node 20's V8 has
 * relaxed SIMD behind --experimental-wasm-relaxed-simd. Set at run time, the flag holds for the whole
 * process, worker threads included (tests/kernels/relaxed-simd.test.ts checks both), so no restart of
 * node is needed. It only adds instructions a module may use; modules without them compile as before.
 */
export function enableRelaxedSimd(): boolean {
  if (relaxedSimdValidates()) return true;
  setFlagsFromString('--experimental-wasm-relaxed-simd');
  return relaxedSimdValidates();
}

/**
 * In Node the plain module, unless asked for (LORA_LAB_WASM_FMA=1, read by createKernels): fused
 * rounding changes results in the last bits, and the CFPB study's wasm numbers were made without it.
 */
export function fmaByDefault(): boolean {
  return false;
}
