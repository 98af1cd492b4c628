/**
 * The two kernel modules built from assembly/ by scripts/build-wasm.mjs: `threads` over a shared memory
 * (any number of threads), `single` over an ordinary memory (one thread, where SharedArrayBuffer is
 * unavailable: a browser page that is not cross-origin isolated).
 */
export type KernelModuleKind = 'threads' | 'single';

/**
 * Their file names, under build/ in the package and beside a browser bundle. Each is built twice from
 * the same source: plain, and with relaxed SIMD, whose GEMM multiply-add is fused (`fma`).
 */
export function kernelModuleFile(kind: KernelModuleKind, fma: boolean): string {
  const base = kind === 'threads' ? 'kernels' : 'kernels-single';
  return `${base}${fma ? '-relaxed' : ''}.wasm`;
}
