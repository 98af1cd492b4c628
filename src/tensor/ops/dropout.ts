import { kernels } from '../../kernels/active.js';
import { dropoutThreshold } from '../../kernels/reference/dropout.js';
import { UserError } from '../../errors.js';
import { record } from '../autograd.js';
import { Tensor } from '../tensor.js';
import type { Rng } from '../random.js';

/** A dropout mask as the kernels draw it: two seeds from the generator and the keep rule. */
export interface DropoutMask {
  seed0: number;
  seed1: number;
  threshold: number;
  /** 1/(1−p), or 0 for p = 1 (nothing is kept, so it never multiplies anything). */
  scale: number;
}

/**
 * Draws a mask for one dropout call: two 32-bit seeds from `rng`, whatever the element count. The
 * kernels derive each element's keep bit from the seeds and its index (P(drop) = ⌈p·2²⁴⌉/2²⁴), so
 * the same seed gives the same mask and the backward draws it again instead of storing it.
 */
export function drawDropoutMask(p: number, rng: Rng): DropoutMask {
  const seed0 = rng.nextUint32();
  const seed1 = rng.nextUint32();
  return { seed0, seed1, threshold: dropoutThreshold(p), scale: p === 1 ? 0 : 1 / (1 - p) };
}

/** y = x ⊙ mask · scale over n elements, or added into y (`accumulate`). x may be y. */
export function applyDropoutMask(
  mask: DropoutMask,
  x: Float32Array,
  y: Float32Array,
  n: number,
  accumulate: boolean,
): void {
  kernels().dropout({ n, x, y, ...mask, accumulate });
}

/**
 * Inverted dropout: in training each element is zeroed with probability p and survivors are scaled
 * by 1/(1−p), so evaluation needs no rescaling. Returns `x` itself when not training or when p = 0.
 */
export function dropout(x: Tensor, p: number, rng: Rng, training: boolean): Tensor {
  if (!(p >= 0 && p <= 1))
    throw new UserError(`dropout expects a probability between 0 and 1, but got ${p}.`);
  if (!training || p === 0) return x;
  const n = x.size;
  const mask = drawDropoutMask(p, rng);
  const y = Tensor.empty(x.shape);
  applyDropoutMask(mask, x.data, y.data, n, false);
  return record(y, 'dropout', [x], (dy) => {
    if (x.adoptGrad(dy)) {
      // dy is dropped right after this backward: mask it in place, now that x holds it.
      applyDropoutMask(mask, dy, dy, n, false);
    } else {
      const fresh = x.grad === null;
      applyDropoutMask(mask, dy, x.gradToWrite(), n, !fresh);
    }
  });
}
