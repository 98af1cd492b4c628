import { kernels } from '../../kernels/active.js';
import type { Tensor } from '../tensor.js';

/**
 * Adds `g` into `t`'s gradient. With `adopt`, a tensor that has no gradient yet takes `g` itself
 * instead of a zeroed copy — one allocation and one pass saved. Only pass `adopt` when the caller will
 * not read or hand out `g` again (the autograd loop drops an output's gradient right after its
 * backward), and adopt last, after every other use of `g`.
 */
export function accumulateGrad(t: Tensor, g: Float32Array, adopt = false): void {
  if (adopt && t.adoptGrad(g)) return;
  if (t.grad === null) {
    // A first gradient is a copy, not a zeroed buffer added to.
    t.gradToWrite().set(g.subarray(0, t.size));
    return;
  }
  const dst = t.gradBuffer();
  kernels().add(dst, g, dst, dst.length);
}
