import { UserError } from '../../errors.js';
import { record } from '../autograd.js';
import { Tensor, shapeToString } from '../tensor.js';
import { assertMinRank } from './shape.js';

/** Values to add to the rows start … start + values.shape[0] − 1 (first axis) of a tensor. */
export interface RowBlock {
  start: number;
  values: Tensor;
}

/**
 * base with each block added onto its rows (first axis): the low-rank updates of several adapters,
 * each computed on its own rows only, put back into the output the base layer computed once for the
 * whole batch. Rows no block covers are base's as they are. The backward passes dy to base whole and
 * each block its rows of dy.
 */
export function addRowBlocks(base: Tensor, blocks: readonly RowBlock[]): Tensor {
  assertMinRank('addRowBlocks', 'a base', base.shape, 1);
  const rows = base.shape[0];
  const inner = rows === 0 ? 0 : base.size / rows;
  for (const { start, values } of blocks) {
    const count = values.shape[0] ?? 0;
    const fits =
      values.rank === base.rank &&
      values.shape.every((d, i) => i === 0 || d === base.shape[i]) &&
      Number.isInteger(start) &&
      start >= 0 &&
      start + count <= rows;
    if (!fits) {
      throw new UserError(
        `addRowBlocks cannot add a block of shape ${shapeToString(values.shape)} at row ${start} of a tensor of shape ${shapeToString(base.shape)}.`,
      );
    }
  }
  const y = Tensor.empty(base.shape);
  const out = y.data;
  out.set(base.data);
  for (const { start, values } of blocks) {
    const v = values.data;
    const offset = start * inner;
    for (let i = 0; i < v.length; i++) out[offset + i] += v[i];
  }
  const inputs = [base, ...blocks.map((b) => b.values)];
  return record(y, 'addRowBlocks', inputs, (dy) => {
    for (const { start, values } of blocks) {
      if (!values.requiresGrad) continue;
      const g = values.gradBuffer();
      const offset = start * inner;
      for (let i = 0; i < g.length; i++) g[i] += dy[offset + i];
    }
    if (base.requiresGrad) {
      const g = base.gradBuffer();
      for (let i = 0; i < g.length; i++) g[i] += dy[i];
    }
  });
}
