// Entry points of the kernel module. Every thread instantiates this module over one shared memory;
// the main thread writes a job block (see job.ts) and each participating thread calls `runJob` on it.
// Nothing here allocates: the JavaScript side owns the memory layout (src/kernels/wasm/heap.ts).

import { jobOp } from './job';
import { gemmJob, gemmPackBJob } from './gemm';
import { geluBackwardJob, geluJob } from './gelu';
import { softmaxBackwardJob, softmaxJob } from './softmax';
import { layerNormBackwardJob, layerNormJob } from './layer-norm';
import { embeddingBackwardJob, embeddingJob } from './embedding';
import { adamwJob } from './adamw';
import { dropoutJob } from './dropout';
import { addJob } from './add';
import { sumRowsJob } from './sum-rows';
import { peakJob } from './peak';

export { gemmScratchBytes, gemmSharedBBytes } from './gemm';
export { SUM_ROWS_BLOCK } from './sum-rows';
export { PEAK_FLOPS_PER_ITERATION } from './peak';

// Operation codes, exported as globals so the JavaScript side reads them instead of repeating them.
export const OP_GEMM: i32 = 1;
export const OP_GELU: i32 = 2;
export const OP_GELU_BACKWARD: i32 = 3;
export const OP_SOFTMAX: i32 = 4;
export const OP_SOFTMAX_BACKWARD: i32 = 5;
export const OP_LAYER_NORM: i32 = 6;
export const OP_LAYER_NORM_BACKWARD: i32 = 7;
export const OP_EMBEDDING: i32 = 8;
export const OP_EMBEDDING_BACKWARD: i32 = 9;
export const OP_ADAMW: i32 = 10;
export const OP_DROPOUT: i32 = 11;
export const OP_ADD: i32 = 12;
export const OP_SUM_ROWS: i32 = 13;
export const OP_GEMM_PACK_B: i32 = 14;
export const OP_PEAK: i32 = 15;

/** Zeroes n bytes at ptr with one bulk-memory instruction (a memset: several times a JavaScript fill). */
export function zeroBytes(ptr: usize, n: usize): void {
  memory.fill(ptr, 0, n);
}

/** First byte past the module's own static data; the JavaScript heap starts above it. */
export function heapBase(): usize {
  return __heap_base;
}

export function runJob(job: usize, thread: i32): void {
  const op = jobOp(job);
  if (op == OP_GEMM) gemmJob(job, thread);
  else if (op == OP_GELU) geluJob(job);
  else if (op == OP_GELU_BACKWARD) geluBackwardJob(job);
  else if (op == OP_SOFTMAX) softmaxJob(job);
  else if (op == OP_SOFTMAX_BACKWARD) softmaxBackwardJob(job);
  else if (op == OP_LAYER_NORM) layerNormJob(job);
  else if (op == OP_LAYER_NORM_BACKWARD) layerNormBackwardJob(job);
  else if (op == OP_EMBEDDING) embeddingJob(job);
  else if (op == OP_EMBEDDING_BACKWARD) embeddingBackwardJob(job);
  else if (op == OP_ADAMW) adamwJob(job);
  else if (op == OP_DROPOUT) dropoutJob(job);
  else if (op == OP_ADD) addJob(job);
  else if (op == OP_SUM_ROWS) sumRowsJob(job);
  else if (op == OP_GEMM_PACK_B) gemmPackBJob(job);
  else if (op == OP_PEAK) peakJob(job, thread);
  else unreachable();
}
