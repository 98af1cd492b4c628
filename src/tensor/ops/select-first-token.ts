import { UserError } from '../../errors.js';
import { record } from '../autograd.js';
import { Tensor } from '../tensor.js';
import { assertRank } from './shape.js';

/** x[:, 0, :] for x [B, T, H]: the [CLS] vector BERT's pooler reads. */
export function selectFirstToken(x: Tensor): Tensor {
  assertRank('selectFirstToken', 'an input', x.shape, 3);
  const [batch, length, hidden] = x.shape;
  if (length === 0)
    throw new UserError('selectFirstToken needs sequences of at least one token, but got length 0.');
  const y = Tensor.zeros([batch, hidden]);
  for (let b = 0; b < batch; b++)
    y.data.set(x.data.subarray(b * length * hidden, b * length * hidden + hidden), b * hidden);
  return record(y, 'selectFirstToken', [x], (dy) => {
    const g = x.gradBuffer();
    for (let b = 0; b < batch; b++) {
      const o = b * length * hidden;
      for (let h = 0; h < hidden; h++) g[o + h] += dy[b * hidden + h];
    }
  });
}
