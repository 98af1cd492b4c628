import { makeBatches } from '../data/batch.js';
import type { TokenizedExample } from '../data/dataset.js';
import { batchTensors } from './batch-tensors.js';
import type { Collate } from './evaluate.js';

/**
 * The trainer's `collate` for tokenized splits: the given examples, in their order, as one batch
 * padded to its longest sequence (src/data/batch.ts's padding and length cap). Pass the split's
 * `TokenizedDataset` for its pad id and maximum length.
 */
export function collateTokenized(
  dataset: { padId?: number; maxLength?: number } = {},
): Collate<TokenizedExample> {
  const collate = (examples: readonly TokenizedExample[]) => {
    const next = makeBatches(examples, {
      batchSize: Math.max(1, examples.length),
      padId: dataset.padId,
      maxLength: dataset.maxLength,
    }).next();
    if (next.done) throw new Error('collateTokenized was given no examples.');
    return batchTensors(next.value);
  };
  const cap = dataset.maxLength ?? Infinity;
  return Object.assign(collate, {
    lengthOf: (example: TokenizedExample) => Math.min(example.ids.length, cap),
  });
}
