import { UserError } from '../../errors.js';
import { record } from '../autograd.js';
import { Tensor, shapeToString } from '../tensor.js';
import { accumulateGrad } from './accumulate.js';

/**
 * The same data under another shape (a view: no copy, writes show through). One axis may be −1 and
 * is inferred from the others.
 */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const target = inferShape(x, shape);
  const y = new Tensor(x.data, target);
  // The gradient is laid out exactly like the input's, so x may take dy as its own.
  return record(y, 'reshape', [x], (dy) => accumulateGrad(x, dy, true));
}

function inferShape(x: Tensor, shape: readonly number[]): number[] {
  let inferred = -1;
  let known = 1;
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (d === -1) {
      if (inferred >= 0)
        throw new UserError(`reshape accepts at most one −1 axis, but got ${shapeToString(shape)}.`);
      inferred = i;
    } else if (!Number.isInteger(d) || d < 0) {
      throw new UserError(`reshape got an invalid size ${d} in ${shapeToString(shape)}.`);
    } else {
      known *= d;
    }
  }
  const out = [...shape];
  if (inferred >= 0) {
    if (known === 0 || x.size % known !== 0) {
      throw new UserError(
        `reshape cannot fit ${x.size} values of ${shapeToString(x.shape)} into ${shapeToString(shape)}.`,
      );
    }
    out[inferred] = x.size / known;
  } else if (known !== x.size) {
    throw new UserError(
      `reshape cannot fit ${x.size} values of ${shapeToString(x.shape)} into ${shapeToString(shape)}.`,
    );
  }
  return out;
}
