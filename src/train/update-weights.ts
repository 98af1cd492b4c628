import { UserError } from '../errors.js';
import { formatMemoryLimit, KernelMemoryExhausted } from '../kernels/memory-exhausted.js';
import type { AdamW } from '../optim/adamw.js';
import { clipGradNorm, gradNorm } from '../optim/clip.js';
import { tensorScope } from '../tensor/scope.js';
import type { Tensor } from '../tensor/tensor.js';

/**
 * Clips (when asked) and applies the gradients the batch left in `params`, after checking that its
 * loss and their norm are finite (else the gradients are dropped and `diverged` says why). Returns the
 * norm before clipping. When the kernels' memory cannot hold the optimizer's state, one sentence
 * (UserError) says how much it needs and what fits instead.
 */
export function updateWeights(
  optimizer: AdamW,
  params: readonly Tensor[],
  loss: number,
  lr: number,
  maxGradNorm: number | null,
  diverged: (what: string) => Error,
): number {
  if (!Number.isFinite(loss)) {
    optimizer.zeroGrad();
    throw diverged(`the loss became ${loss}`);
  }
  return tensorScope(() => {
    const norm = maxGradNorm !== null ? clipGradNorm(params, maxGradNorm) : gradNorm(params);
    if (!Number.isFinite(norm)) {
      optimizer.zeroGrad();
      throw diverged(`the gradient norm became ${norm}`);
    }
    optimizer.lr = lr;
    try {
      optimizer.step();
    } catch (error) {
      if (error instanceof KernelMemoryExhausted) throw optimizerDoesNotFit(optimizer, params, error);
      throw error;
    }
    optimizer.zeroGrad();
    return norm;
  });
}

/**
 * The step's failure when AdamW's moments (placed at the first step) do not fit. Nothing can be freed
 * to make room: each micro-batch's activations went back to the kernels when its scope closed, and
 * the weights and gradients live outside their memory, so the moments and one parameter's working
 * copies (halved down to small pieces, adamwUpdate) are all the step holds there; micro-batches do
 * not shrink them.
 */
function optimizerDoesNotFit(
  optimizer: AdamW,
  params: readonly Tensor[],
  error: KernelMemoryExhausted,
): UserError {
  const count = params.reduce((sum, p) => sum + p.size, 0);
  return new UserError(
    `AdamW's state for the ${count} trainable parameters needs ${optimizer.stateBytes} bytes (two floats each) in the kernels' memory, which its ${formatMemoryLimit(error.limitBytes)} limit cannot hold beside the step's working copies; train with LoRA, choose a smaller model, or in Node use the native backend (--backend native), which has no such limit.`,
  );
}
