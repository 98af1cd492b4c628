import { UserError } from '../../errors.js';
import type { Shape } from '../tensor.js';
import { shapeToString, sizeOf } from '../tensor.js';

/** Row-major strides of a contiguous tensor of this shape. */
export function stridesOf(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

export function sameShape(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A negative axis counts from the end, as in NumPy; out of range is the caller's mistake. */
export function normalizeAxis(op: string, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(axis) || a < 0 || a >= rank) {
    throw new UserError(`${op} was given axis ${axis}, but the tensor has rank ${rank}.`);
  }
  return a;
}

export function assertRank(op: string, what: string, shape: Shape, rank: number): void {
  if (shape.length !== rank) {
    throw new UserError(`${op} expects ${what} of rank ${rank}, but got shape ${shapeToString(shape)}.`);
  }
}

export function assertMinRank(op: string, what: string, shape: Shape, rank: number): void {
  if (shape.length < rank) {
    throw new UserError(
      `${op} expects ${what} of rank ${rank} or more, but got shape ${shapeToString(shape)}.`,
    );
  }
}

export function assertShape(op: string, what: string, actual: Shape, expected: Shape): void {
  if (!sameShape(actual, expected)) {
    throw new UserError(
      `${op} expects ${what} of shape ${shapeToString(expected)}, but got ${shapeToString(actual)}.`,
    );
  }
}

/** NumPy broadcasting: align from the right; each pair of sizes must match or one must be 1. */
export function broadcastShapes(op: string, a: Shape, b: Shape): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
    const db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
    if (da !== db && da !== 1 && db !== 1) {
      throw new UserError(
        `${op} cannot broadcast shapes ${shapeToString(a)} and ${shapeToString(b)} (sizes ${da} and ${db} at axis ${i}).`,
      );
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

export { sizeOf };
