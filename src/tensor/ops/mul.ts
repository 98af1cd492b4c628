import { record } from '../autograd.js';
import { Tensor } from '../tensor.js';
import { combineBroadcast, forEachRow, planBroadcast } from './broadcast.js';

/** a ⊙ b with NumPy broadcasting: da = dy ⊙ b and db = dy ⊙ a, each summed over its broadcast axes. */
export function mul(a: Tensor, b: Tensor): Tensor {
  const plan = planBroadcast('mul', a.shape, b.shape);
  const y = Tensor.zeros(plan.outShape);
  combineBroadcast(plan, a.data, b.data, y.data, (x, z) => x * z);
  const ad = a.data;
  const bd = b.data;
  const last = plan.dims.length - 1;
  const len = plan.dims[last];
  const sa = plan.stridesA[last];
  const sb = plan.stridesB[last];
  return record(y, 'mul', [a, b], (dy) => {
    const ga = a.requiresGrad ? a.gradBuffer() : null;
    const gb = b.requiresGrad ? b.gradBuffer() : null;
    forEachRow(plan, (o, ia, ib) => {
      if (ga) for (let j = 0; j < len; j++) ga[ia + j * sa] += dy[o + j] * bd[ib + j * sb];
      if (gb) for (let j = 0; j < len; j++) gb[ib + j * sb] += dy[o + j] * ad[ia + j * sa];
    });
  });
}
