import assert from 'node:assert/strict';
import { IntTensor } from '../../src/tensor/tensor.js';

/** The 8 padded inputs shared by forward_backward_golden.json and the PEFT golden file. */
export interface GoldenInputs {
  input_ids: number[][];
  attention_mask: number[][];
  token_type_ids: number[][];
  labels: number[];
}

export interface GoldenBatch {
  ids: IntTensor;
  mask: IntTensor;
  types: IntTensor;
  labels: IntTensor;
}

export function batchOf(g: GoldenInputs): GoldenBatch {
  const shape = [g.input_ids.length, g.input_ids[0].length];
  return {
    ids: IntTensor.from(g.input_ids.flat(), shape),
    mask: IntTensor.from(g.attention_mask.flat(), shape),
    types: IntTensor.from(g.token_type_ids.flat(), shape),
    labels: IntTensor.from(g.labels, [g.labels.length]),
  };
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

export function l2(x: Float32Array): number {
  let s = 0;
  for (const v of x) s += v * v;
  return Math.sqrt(s);
}
