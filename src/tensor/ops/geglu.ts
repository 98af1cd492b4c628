import { kernels } from '../../kernels/active.js';
import { UserError } from '../../errors.js';
import { record } from '../autograd.js';
import { opFloats } from '../scope.js';
import { Tensor, shapeToString } from '../tensor.js';
import { assertMinRank } from './shape.js';

/**
 * The gated GELU of a fused up-projection: x [..., 2·I] is split into input and gate halves
 * (torch's `chunk(2, dim=-1)`) and y = gelu(input) ⊙ gate [..., I], GELU in the exact erf form.
 * gelu(input) is kept for the gate's gradient; the input half is copied again in the backward
 * rather than kept.
 */
export function geglu(x: Tensor): Tensor {
  const op = 'geglu';
  assertMinRank(op, 'an input', x.shape, 1);
  const cols = x.shape[x.rank - 1];
  if (cols % 2 !== 0) {
    throw new UserError(`${op} splits the last axis in two halves, but got shape ${shapeToString(x.shape)}.`);
  }
  const width = cols / 2;
  const rows = cols === 0 ? 0 : x.size / cols;
  const n = rows * width;
  const xd = x.data;
  const activated = opFloats(n, false);
  const inputHalf = (into: Float32Array): Float32Array => {
    for (let r = 0; r < rows; r++) into.set(xd.subarray(r * cols, r * cols + width), r * width);
    return into;
  };
  kernels().gelu(inputHalf(opFloats(n, false)), activated, n);
  const y = Tensor.empty([...x.shape.slice(0, -1), width]);
  const yd = y.data;
  for (let r = 0; r < rows; r++) {
    const gate = r * cols + width;
    const o = r * width;
    for (let j = 0; j < width; j++) yd[o + j] = activated[o + j] * xd[gate + j];
  }
  return record(y, op, [x], (dy) => {
    const g = x.gradBuffer();
    // d input = gelu'(input) · (dy ⊙ gate); d gate = dy ⊙ gelu(input).
    const dActivated = opFloats(n, false);
    for (let r = 0; r < rows; r++) {
      const gate = r * cols + width;
      const o = r * width;
      for (let j = 0; j < width; j++) {
        dActivated[o + j] = dy[o + j] * xd[gate + j];
        g[gate + j] += dy[o + j] * activated[o + j];
      }
    }
    const dInput = opFloats(n, false);
    kernels().geluBackward(inputHalf(opFloats(n, false)), dActivated, dInput, n, false);
    for (let r = 0; r < rows; r++) {
      const to = r * cols;
      const from = r * width;
      for (let j = 0; j < width; j++) g[to + j] += dInput[from + j];
    }
  });
}
