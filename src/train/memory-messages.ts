import { UserError } from '../errors.js';
import { formatMemoryLimit, type KernelMemoryExhausted } from '../kernels/memory-exhausted.js';

/** Told when the kernels' memory made a batch run as more micro-batches than asked for. */
export interface MicroBatchSplit {
  /** Micro-batches per batch from now on. */
  microBatches: number;
  /** The rows of the batch that did not fit. */
  rows: number;
  /** The memory the kernels may use, in bytes. */
  limitBytes: number;
}

/** Told when the kernels' memory made inference run a batch in smaller pieces. */
export interface InferenceSplit {
  /** The rows of the batch that did not fit. */
  rows: number;
  /** The most rows one forward pass takes from now on. */
  pieceRows: number;
  /** The memory the kernels may use, in bytes. */
  limitBytes: number;
}

/** The one line that says the trainer split its batches to fit the kernels' memory. */
export function describeMicroBatchSplit(split: MicroBatchSplit): string {
  const rows = Math.ceil(split.rows / split.microBatches);
  return `a batch of ${split.rows} does not fit in the kernels' ${formatMemoryLimit(split.limitBytes)} of memory: each batch now runs as ${split.microBatches} micro-batches of up to ${rows} examples, their gradients added up (the same update within rounding)`;
}

/** The one line that says inference split its batches to fit the kernels' memory. */
export function describeInferenceSplit(split: InferenceSplit): string {
  return `a batch of ${split.rows} does not fit in the kernels' ${formatMemoryLimit(split.limitBytes)} of memory for inference: each batch now runs in pieces of up to ${split.pieceRows} examples (the same logits)`;
}

/** The failure of a batch that still did not fit when split down to single examples. */
export function oneExampleDoesNotFit(error: KernelMemoryExhausted): UserError {
  return new UserError(
    `Even one example at a time needs ${error.bytesNeeded} bytes of the kernels' memory, more than their ${formatMemoryLimit(error.limitBytes)} limit; a shorter maximum length, a smaller model or another backend may fit.`,
  );
}
