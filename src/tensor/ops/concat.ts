import { UserError } from '../../errors.js';
import { record } from '../autograd.js';
import { Tensor, shapeToString } from '../tensor.js';
import { normalizeAxis } from './shape.js';

/** Joins tensors along `axis`; every other axis must agree. */
export function concat(tensors: readonly Tensor[], axis = 0): Tensor {
  if (tensors.length === 0) throw new UserError('concat needs at least one tensor.');
  const first = tensors[0];
  const ax = normalizeAxis('concat', axis, first.rank);
  for (const t of tensors) {
    if (t.rank !== first.rank || t.shape.some((d, i) => i !== ax && d !== first.shape[i])) {
      throw new UserError(
        `concat along axis ${axis} cannot join ${shapeToString(first.shape)} and ${shapeToString(t.shape)}.`,
      );
    }
  }
  let outer = 1;
  for (let i = 0; i < ax; i++) outer *= first.shape[i];
  let inner = 1;
  for (let i = ax + 1; i < first.rank; i++) inner *= first.shape[i];
  // Each input contributes one contiguous chunk of shape[ax]·inner values per outer index.
  const chunks = tensors.map((t) => t.shape[ax] * inner);
  const rowLen = chunks.reduce((s, c) => s + c, 0);
  const outShape = [...first.shape];
  outShape[ax] = tensors.reduce((s, t) => s + t.shape[ax], 0);
  const y = Tensor.zeros(outShape);
  let offset = 0;
  for (let t = 0; t < tensors.length; t++) {
    const c = chunks[t];
    const src = tensors[t].data;
    for (let o = 0; o < outer; o++) y.data.set(src.subarray(o * c, o * c + c), o * rowLen + offset);
    offset += c;
  }
  return record(y, 'concat', tensors, (dy) => {
    let off = 0;
    for (let t = 0; t < tensors.length; t++) {
      const c = chunks[t];
      const input = tensors[t];
      if (input.requiresGrad) {
        const g = input.gradBuffer();
        for (let o = 0; o < outer; o++) {
          const so = o * rowLen + off;
          for (let j = 0; j < c; j++) g[o * c + j] += dy[so + j];
        }
      }
      off += c;
    }
  });
}
