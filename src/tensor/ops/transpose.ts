import { Tensor } from '../tensor.js';
import { permute } from './permute.js';
import { normalizeAxis } from './shape.js';

/** Swaps two axes (a copy, through permute). */
export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  const a = normalizeAxis('transpose', dim0, x.rank);
  const b = normalizeAxis('transpose', dim1, x.rank);
  const perm = x.shape.map((_, i) => i);
  perm[a] = b;
  perm[b] = a;
  return permute(x, perm);
}
