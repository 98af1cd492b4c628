import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useKernels } from '../../src/kernels/active.js';
import { createReferenceKernels } from '../../src/kernels/reference/index.js';
import { UserError } from '../../src/errors.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { addRowBlocks } from '../../src/tensor/ops/add-row-blocks.js';
import { sliceRows } from '../../src/tensor/ops/slice-rows.js';
import { gradcheck, randomTensor } from '../helpers/gradcheck.js';

useKernels(createReferenceKernels());

test('sliceRows takes rows along the first axis, whatever the rank', () => {
  const x = Tensor.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], [3, 2, 2]);
  const y = sliceRows(x, 1, 2);
  assert.deepEqual(y.shape, [2, 2, 2]);
  assert.deepEqual(Array.from(y.data), [4, 5, 6, 7, 8, 9, 10, 11]);
  assert.deepEqual(sliceRows(x, 3, 0).shape, [0, 2, 2]);
});

test('addRowBlocks adds each block onto its rows and leaves the others as they are', () => {
  const base = Tensor.from([1, 1, 2, 2, 3, 3, 4, 4], [4, 2]);
  const y = addRowBlocks(base, [
    { start: 0, values: Tensor.from([10, 20], [1, 2]) },
    { start: 2, values: Tensor.from([100, 200, 300, 400], [2, 2]) },
  ]);
  assert.deepEqual(Array.from(y.data), [11, 21, 2, 2, 103, 203, 304, 404]);
  assert.deepEqual(Array.from(base.data), [1, 1, 2, 2, 3, 3, 4, 4], 'base untouched');
});

test('sliceRows and addRowBlocks gradients match finite differences', () => {
  const x = randomTensor([4, 3, 2], 1);
  gradcheck(() => sliceRows(x, 1, 2), [x]);
  const base = randomTensor([5, 3], 2);
  const a = randomTensor([2, 3], 3);
  const b = randomTensor([1, 3], 4);
  gradcheck(
    () =>
      addRowBlocks(base, [
        { start: 0, values: a },
        { start: 4, values: b },
      ]),
    [base, a, b],
  );
  // Blocks cut from the same tensor they are added back to: both paths reach one gradient.
  const w = randomTensor([4, 3], 5);
  gradcheck(() => addRowBlocks(w, [{ start: 1, values: sliceRows(w, 2, 2) }]), [w]);
});

test('rows outside the tensor are refused in one sentence', () => {
  const x = Tensor.zeros([3, 2]);
  assert.throws(
    () => sliceRows(x, 2, 2),
    (e: unknown) =>
      e instanceof UserError &&
      e.message === 'sliceRows cannot take rows 2 to 4 of a tensor of shape [3, 2].',
  );
  assert.throws(
    () => addRowBlocks(x, [{ start: 2, values: Tensor.zeros([2, 2]) }]),
    (e: unknown) =>
      e instanceof UserError &&
      e.message === 'addRowBlocks cannot add a block of shape [2, 2] at row 2 of a tensor of shape [3, 2].',
  );
  assert.throws(() => addRowBlocks(x, [{ start: 0, values: Tensor.zeros([1, 3]) }]), UserError);
});
