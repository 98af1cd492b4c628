import { UserError } from '../errors.js';
import { KernelMemoryExhausted } from '../kernels/memory-exhausted.js';
import { backward } from '../tensor/autograd.js';
import type { Rng } from '../tensor/random.js';
import { tensorScope } from '../tensor/scope.js';
import type { Tensor } from '../tensor/tensor.js';
import { batchLoss, lossTerms } from './batch-loss.js';
import type { ClassifierModel, TrainBatch } from './evaluate.js';
import { oneExampleDoesNotFit, type MicroBatchSplit } from './memory-messages.js';

export type { MicroBatchSplit } from './memory-messages.js';

/**
 * The rows [start, end) of `parts` consecutive micro-batches of a batch of `rows`. Any count that is
 * not above the batch works: the sizes differ by at most one (the larger first), because the losses
 * are weighted by their terms (see accumulateGradients) and so need no equal sizes. A batch with
 * fewer rows than `parts` (an epoch's last) gets one micro-batch per row.
 */
export function microBatchRanges(rows: number, parts: number): [number, number][] {
  const count = Math.max(1, Math.min(parts, rows));
  const size = Math.floor(rows / count);
  const larger = rows % count;
  const ranges: [number, number][] = [];
  let start = 0;
  for (let i = 0; i < count; i++) {
    const end = start + size + (i < larger ? 1 : 0);
    ranges.push([start, end]);
    start = end;
  }
  return ranges;
}

/** Refuses a count of micro-batches that is not a whole number from 1 to the batch size, in one sentence. */
export function checkGradientAccumulationSteps(steps: number, batchSize: number): void {
  if (!Number.isInteger(steps) || steps < 1) {
    throw new UserError(
      `The number of gradient accumulation steps must be a whole number of at least 1, not ${steps}.`,
    );
  }
  if (steps > batchSize) {
    throw new UserError(
      `The gradient accumulation steps (${steps}) cannot exceed the batch size (${batchSize}): every micro-batch needs at least one example.`,
    );
  }
}

/**
 * Forward and backward of one batch given as consecutive micro-batches, each in its own tensorScope,
 * so that only one micro-batch's activations are held at a time. Each micro-batch's mean loss is
 * weighted by its share of the whole batch's loss terms, so the parameters' gradients add up to the
 * gradient of the whole batch's mean loss (PyTorch's, and HF Trainer's when it averages over every
 * row), whatever the micro-batches' sizes and padding: one step on the whole batch, within rounding.
 * A single micro-batch runs exactly as an unsplit batch always has. Returns the batch's mean loss;
 * at a micro-batch whose loss is not finite, that loss, without its backward.
 */
export function accumulateGradients(model: ClassifierModel, microBatches: readonly TrainBatch[]): number {
  if (microBatches.length === 1) return lossAndBackward(model, microBatches[0], null);
  const terms = microBatches.map(lossTerms);
  const total = terms.reduce((a, b) => a + b, 0);
  let mean = 0;
  for (let i = 0; i < microBatches.length; i++) {
    // Every row ignored (total 0): the whole batch's loss is 0 with no gradient, and so is this.
    const weight = total > 0 ? terms[i] / total : 0;
    const value = lossAndBackward(model, microBatches[i], weight);
    if (!Number.isFinite(value)) return value;
    mean += weight * value;
  }
  return mean;
}

/** One micro-batch's mean loss; its gradient, times `weight` (null: an unsplit batch's 1), goes into the parameters. */
function lossAndBackward(model: ClassifierModel, batch: TrainBatch, weight: number | null): number {
  // Activations and their gradients live in the kernels' memory until the scope ends.
  return tensorScope(() => {
    const logits = model.forward(batch.inputIds, batch.attentionMask, batch.tokenTypeIds);
    const loss = batchLoss(logits, batch);
    const value = loss.data[0];
    if (Number.isFinite(value)) backward(loss, weight === null ? undefined : Float32Array.of(weight));
    return value;
  });
}

/**
 * Gradient accumulation that also splits a batch by itself when the kernels cannot hold it (the
 * WebAssembly backend's 4 GiB): the failure (KernelMemoryExhausted) comes before any parameter
 * changed, so the step's gradients and the generator's state (dropout's draws) are put back and the
 * batch runs again as twice as many micro-batches, and so on; the count found is kept for the rest of
 * the run. With dropout, micro-batches draw other masks than one batch would, so only a run without
 * dropout gives the unsplit run's weights (within rounding).
 */
export class MicroBatching {
  constructor(
    /** Micro-batches per batch (gradient accumulation steps); raised when memory runs out. */
    public microBatches: number,
    private readonly onSplit?: (split: MicroBatchSplit) => void,
  ) {}

  /**
   * accumulateGradients over the `rows` examples of one batch; `take(start, end)` makes the
   * micro-batch of rows [start, end). `params` are the trained parameters, whose gradients are reset
   * before a retry; `rng` is the generator dropout draws from.
   */
  run(
    model: ClassifierModel,
    rows: number,
    take: (start: number, end: number) => TrainBatch,
    params: readonly Tensor[],
    rng: Rng,
  ): number {
    const asked = this.microBatches;
    const state = rng.getState();
    let limitBytes = 0;
    for (;;) {
      const microBatches = microBatchRanges(rows, this.microBatches).map(([start, end]) => take(start, end));
      try {
        const loss = accumulateGradients(model, microBatches);
        if (this.microBatches !== asked)
          this.onSplit?.({ microBatches: this.microBatches, rows, limitBytes });
        return loss;
      } catch (error) {
        if (!(error instanceof KernelMemoryExhausted)) throw error;
        if (microBatches.length >= rows) {
          throw oneExampleDoesNotFit(error);
        }
        for (const p of params) p.zeroGrad();
        rng.setState(state);
        limitBytes = error.limitBytes;
        this.microBatches = Math.min(rows, microBatches.length * 2);
      }
    }
  }
}

/**
 * What results.json says of micro-batching, only when there was any: a run without it records what it
 * always has. Not part of a checkpoint's fingerprint, as micro-batches change no result beyond rounding.
 */
export function microBatchRecord(asked: number, used: number): Record<string, number> {
  return {
    ...(asked !== 1 ? { gradient_accumulation_steps: asked } : {}),
    ...(used !== asked ? { micro_batches: used } : {}),
  };
}
