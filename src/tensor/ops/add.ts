import { kernels } from '../../kernels/active.js';
import { record } from '../autograd.js';
import { Tensor } from '../tensor.js';
import { forEachRow, KERNEL_ROW, planBroadcast, reduceBroadcastGrad } from './broadcast.js';

/** a + b with NumPy broadcasting; each gradient is summed over the axes its operand was broadcast along. */
export function add(a: Tensor, b: Tensor): Tensor {
  const plan = planBroadcast('add', a.shape, b.shape);
  const y = Tensor.empty(plan.outShape);
  const out = y.data;
  const ad = a.data;
  const bd = b.data;
  const last = plan.dims.length - 1;
  const len = plan.dims[last];
  const sa = plan.stridesA[last];
  const sb = plan.stridesB[last];
  // Contiguous rows go to the kernels, a call a row: one call for same shapes (residuals, LoRA's sum),
  // one per [T, H] block for an embedding added over the batch; short rows of many are looped here.
  const contiguous = sa === 1 && sb === 1;
  forEachRow(plan, (o, ia, ib) => {
    if (contiguous && (last === 0 || len >= KERNEL_ROW))
      kernels().add(ad.subarray(ia, ia + len), bd.subarray(ib, ib + len), out.subarray(o, o + len), len);
    else if (contiguous) for (let j = 0; j < len; j++) out[o + j] = ad[ia + j] + bd[ib + j];
    else for (let j = 0; j < len; j++) out[o + j] = ad[ia + j * sa] + bd[ib + j * sb];
  });
  return record(y, 'add', [a, b], (dy) => {
    // b first: a may adopt dy, after which dy must not be read.
    if (b.requiresGrad) reduceBroadcastGrad(b, 'b', plan, dy, 1, false);
    if (a.requiresGrad) reduceBroadcastGrad(a, 'a', plan, dy, 1, true);
  });
}
