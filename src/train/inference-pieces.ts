import { KernelMemoryExhausted } from '../kernels/memory-exhausted.js';
import { noGrad } from '../tensor/autograd.js';
import { tensorScope } from '../tensor/scope.js';
import type { Tensor } from '../tensor/tensor.js';
import { oneExampleDoesNotFit, type InferenceSplit } from './memory-messages.js';

/** A batch's logits [rows, width], row-major, in ordinary memory. */
export interface BatchLogits {
  data: Float32Array;
  width: number;
}

/**
 * Inference that splits a batch by itself when the kernels cannot hold its forward pass (the
 * WebAssembly backend's 4 GiB): the failed piece (KernelMemoryExhausted, thrown before a kernel wrote
 * anything) runs again as two halves, and so on, and the size that fitted is kept for every later
 * batch. In eval mode a row's logits do not depend on the other rows of its batch (no dropout, the
 * mask keeps attention within the row, and every kernel sums over a row's own values in the same
 * order whatever the count of rows), so a split batch gives the unsplit batch's logits bit for bit.
 * A batch that fits runs as one forward pass, exactly as before.
 */
export class InferencePieces {
  /** The most rows one forward pass has been able to hold; null while memory never ran out. */
  pieceRows: number | null = null;

  constructor(private readonly onSplit?: (split: InferenceSplit) => void) {}

  /**
   * The logits of a batch of `rows` examples, without a graph; `forward(start, end)` runs the model on
   * the rows [start, end). Each piece's activations go back to the kernels before the next piece runs.
   */
  logits(rows: number, forward: (start: number, end: number) => Tensor): BatchLogits {
    const before = this.pieceRows;
    let limitBytes = 0;
    const parts: { start: number; logits: BatchLogits }[] = [];
    for (let start = 0; start < rows;) {
      const end = Math.min(rows, start + (this.pieceRows ?? rows));
      let logits: BatchLogits;
      try {
        logits = tensorScope(() => {
          const y = noGrad(() => forward(start, end));
          return { data: y.data.slice(), width: y.shape[1] };
        });
      } catch (error) {
        if (!(error instanceof KernelMemoryExhausted)) throw error;
        if (end - start <= 1) throw oneExampleDoesNotFit(error);
        this.pieceRows = Math.ceil((end - start) / 2);
        limitBytes = error.limitBytes;
        continue;
      }
      // Unsplit (the usual case), the copy out of the scope is the whole result.
      if (end - start === rows) return logits;
      parts.push({ start, logits });
      start = end;
    }
    if (this.pieceRows !== before && this.pieceRows !== null) {
      this.onSplit?.({ rows, pieceRows: this.pieceRows, limitBytes });
    }
    return joinRows(rows, parts);
  }
}

/**
 * The pieces' rows in one array. A piece may be narrower than the widest (a served batch mixing
 * adapters is as wide as the widest head among its rows): its rows are padded with zeros, as the model
 * pads a narrower head's rows in one forward pass.
 */
function joinRows(rows: number, parts: readonly { start: number; logits: BatchLogits }[]): BatchLogits {
  const width = Math.max(0, ...parts.map((p) => p.logits.width));
  const data = new Float32Array(rows * width);
  for (const { start, logits } of parts) {
    const w = logits.width;
    for (let r = 0; r < logits.data.length / Math.max(1, w); r++) {
      data.set(logits.data.subarray(r * w, (r + 1) * w), (start + r) * width);
    }
  }
  return { data, width };
}
