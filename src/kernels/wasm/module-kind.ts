/**
 * The two kernel modules built from assembly/ by scripts/build-wasm.mjs: `threads` over a shared memory
 * (any number of threads), `single` over an ordinary memory (one thread, where SharedArrayBuffer is
 * unavailable: a browser page that is not cross-origin isolated).
 */
export type KernelModuleKind = 'threads' | 'single';

/** Their file names, under build/ in the package and beside a browser bundle. */
export const KERNEL_MODULE_FILES: Record<KernelModuleKind, string> = {
  threads: 'kernels.wasm',
  single: 'kernels-single.wasm',
};
