import { record } from '../autograd.js';
import { Tensor } from '../tensor.js';
import { combineBroadcast, planBroadcast, reduceBroadcastGrad } from './broadcast.js';

/** a − b with NumPy broadcasting. */
export function sub(a: Tensor, b: Tensor): Tensor {
  const plan = planBroadcast('sub', a.shape, b.shape);
  const y = Tensor.zeros(plan.outShape);
  combineBroadcast(plan, a.data, b.data, y.data, (x, z) => x - z);
  return record(y, 'sub', [a, b], (dy) => {
    if (b.requiresGrad) reduceBroadcastGrad(b, 'b', plan, dy, -1, false);
    if (a.requiresGrad) reduceBroadcastGrad(a, 'a', plan, dy, 1, true);
  });
}
