import type { AdamW } from '../optim/adamw.js';
import { clipGradNorm, gradNorm } from '../optim/clip.js';
import { tensorScope } from '../tensor/scope.js';
import type { Tensor } from '../tensor/tensor.js';

/**
 * Clips (when asked) and applies the gradients the batch left in `params`, after checking that its
 * loss and their norm are finite (else the gradients are dropped and `diverged` says why). Returns the
 * norm before clipping.
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
    optimizer.step();
    optimizer.zeroGrad();
    return norm;
  });
}
