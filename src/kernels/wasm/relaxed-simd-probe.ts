import { WebAssemblyApi } from './wasm-api.js';

/**
 * The smallest module that uses relaxed SIMD: one function returning f32x4.relaxed_madd of its three
 * v128 parameters. A runtime that validates it can compile the relaxed kernel modules.
 */
export const RELAXED_SIMD_PROBE = Uint8Array.from([
  // magic, version
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  // type section: one type, (v128, v128, v128) -> v128
  0x01, 0x08, 0x01, 0x60, 0x03, 0x7b, 0x7b, 0x7b, 0x01, 0x7b,
  // function section: one function of type 0
  0x03, 0x02, 0x01, 0x00,
  // code section: no locals; local.get 0, 1, 2; f32x4.relaxed_madd (0xfd 0x105); end
  0x0a, 0x0d, 0x01, 0x0b, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfd, 0x85, 0x02, 0x0b,
]);

/** Whether this runtime accepts relaxed SIMD now (in Node 20 only once V8's flag is on). */
export function relaxedSimdValidates(): boolean {
  try {
    return WebAssemblyApi.validate(RELAXED_SIMD_PROBE);
  } catch {
    return false;
  }
}
