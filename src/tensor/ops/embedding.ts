import { kernels } from '../../kernels/active.js';
import { UserError } from '../../errors.js';
import { record } from '../autograd.js';
import { IntTensor, Tensor } from '../tensor.js';
import { assertRank } from './shape.js';

/**
 * Row lookup: out[..., :] = table[ids[...], :], shape [...ids.shape, D]. The backward scatter-adds
 * into the table's gradient (repeated ids add up); a frozen table costs nothing.
 */
export function embedding(ids: IntTensor, table: Tensor): Tensor {
  assertRank('embedding', 'a table', table.shape, 2);
  const [vocab, dim] = table.shape;
  const count = ids.size;
  for (let i = 0; i < count; i++) {
    const id = ids.data[i];
    if (id < 0 || id >= vocab) {
      throw new UserError(
        `embedding got id ${id} at position ${i}, out of range for a table of ${vocab} rows.`,
      );
    }
  }
  const y = Tensor.empty([...ids.shape, dim]);
  kernels().embedding(ids.data, table.data, y.data, count, dim);
  return record(y, 'embedding', [table], (dy) => {
    kernels().embeddingBackward(ids.data, dy, table.gradBuffer(), count, dim);
  });
}
