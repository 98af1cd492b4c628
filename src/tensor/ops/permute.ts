import { UserError } from '../../errors.js';
import { record } from '../autograd.js';
import { Tensor, shapeToString } from '../tensor.js';
import type { Shape } from '../tensor.js';
import { stridesOf } from './shape.js';

/** out[i0, i1, ...] = x[index permuted by perm], materialised as a new contiguous tensor. */
export function permute(x: Tensor, perm: readonly number[]): Tensor {
  const rank = x.rank;
  const p = perm.map((a) => (a < 0 ? a + rank : a));
  const seen = new Set(p);
  if (p.length !== rank || seen.size !== rank || p.some((a) => !Number.isInteger(a) || a < 0 || a >= rank)) {
    throw new UserError(
      `permute needs a permutation of the ${rank} axes of ${shapeToString(x.shape)}, but got [${perm.join(', ')}].`,
    );
  }
  const outShape = p.map((a) => x.shape[a]);
  const y = Tensor.zeros(outShape);
  permuteInto(x.data, x.shape, p, y.data, false);
  return record(y, 'permute', [x], (dy) => {
    // The inverse permutation maps the output's gradient back onto the input's layout.
    const inverse = new Array<number>(rank);
    for (let i = 0; i < rank; i++) inverse[p[i]] = i;
    permuteInto(dy, outShape, inverse, x.gradBuffer(), true);
  });
}

/**
 * Writes (or adds, with `accumulate`) src, of shape `shape`, permuted by `perm` into dst. Walks the
 * output in order, so writes are sequential and reads strided.
 */
function permuteInto(
  src: Float32Array,
  shape: Shape,
  perm: readonly number[],
  dst: Float32Array,
  accumulate: boolean,
): void {
  const rank = shape.length;
  const n = src.length;
  if (n === 0) return;
  if (rank === 0) {
    dst[0] = accumulate ? dst[0] + src[0] : src[0];
    return;
  }
  const inStrides = stridesOf(shape);
  const dims = perm.map((a) => shape[a]);
  const strides = perm.map((a) => inStrides[a]);
  const last = rank - 1;
  const len = dims[last];
  const step = strides[last];
  const idx = new Array<number>(rank).fill(0);
  let si = 0;
  for (let o = 0; o < n; o += len) {
    if (accumulate) for (let j = 0; j < len; j++) dst[o + j] += src[si + j * step];
    else for (let j = 0; j < len; j++) dst[o + j] = src[si + j * step];
    for (let ax = last - 1; ax >= 0; ax--) {
      idx[ax]++;
      si += strides[ax];
      if (idx[ax] < dims[ax]) break;
      si -= strides[ax] * dims[ax];
      idx[ax] = 0;
    }
  }
}
