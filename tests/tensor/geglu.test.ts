import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useKernels } from '../../src/kernels/active.js';
import { createReferenceKernels } from '../../src/kernels/reference/index.js';
import { UserError } from '../../src/errors.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { geglu } from '../../src/tensor/ops/geglu.js';
import { gelu } from '../../src/tensor/ops/gelu.js';
import { mul } from '../../src/tensor/ops/mul.js';
import { sliceLastAxis } from '../../src/tensor/ops/slice-last-axis.js';
import { assertClose, gradcheck, randomTensor } from '../helpers/gradcheck.js';

useKernels(createReferenceKernels());

test('geglu is gelu(first half) times the second half, row by row', () => {
  const x = Tensor.from([1, -1, 2, 3, 0, 3, -2, 0.5], [2, 4]);
  const y = geglu(x);
  assert.deepEqual(y.shape, [2, 2]);
  // gelu(1) = 0.8413447, gelu(−1) = −0.1586553, gelu(0) = 0, gelu(3) = 2.9959502
  assertClose(y.data, [0.8413447 * 2, -0.1586553 * 3, 0, 2.9959502 * 0.5], 1e-6);
});

test('geglu equals the composed ops, chunk(2) then gelu(input) · gate', () => {
  const x = randomTensor([2, 3, 10], 1, false, 2);
  const composed = mul(gelu(sliceLastAxis(x, 0, 5)), sliceLastAxis(x, 5, 5));
  assertClose(geglu(x).data, composed.data, 1e-7);
});

test('geglu gradient matches finite differences', () => {
  const x = randomTensor([2, 3, 8], 2, true, 1.5);
  gradcheck(() => geglu(x), [x]);
});

test('geglu refuses an odd last axis in one sentence', () => {
  assert.throws(
    () => geglu(Tensor.zeros([2, 5])),
    (e: unknown) =>
      e instanceof UserError &&
      e.message === 'geglu splits the last axis in two halves, but got shape [2, 5].',
  );
});
