import { record } from '../autograd.js';
import { Tensor } from '../tensor.js';
import { forEachRow, planBroadcast, reduceBroadcastGrad } from './broadcast.js';

/** a − b with NumPy broadcasting. */
export function sub(a: Tensor, b: Tensor): Tensor {
  const plan = planBroadcast('sub', a.shape, b.shape);
  const y = Tensor.zeros(plan.outShape);
  const out = y.data;
  const ad = a.data;
  const bd = b.data;
  const last = plan.dims.length - 1;
  const len = plan.dims[last];
  const sa = plan.stridesA[last];
  const sb = plan.stridesB[last];
  forEachRow(plan, (o, ia, ib) => {
    for (let j = 0; j < len; j++) out[o + j] = ad[ia + j * sa] - bd[ib + j * sb];
  });
  return record(y, 'sub', [a, b], (dy) => {
    if (b.requiresGrad) reduceBroadcastGrad(b, 'b', plan, dy, -1, false);
    if (a.requiresGrad) reduceBroadcastGrad(a, 'a', plan, dy, 1, true);
  });
}
