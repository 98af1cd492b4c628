import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useKernels } from '../../src/kernels/active.js';
import { createReferenceKernels } from '../../src/kernels/reference/index.js';
import { UserError } from '../../src/errors.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { add } from '../../src/tensor/ops/add.js';
import { sliceLastAxis } from '../../src/tensor/ops/slice-last-axis.js';
import { gradcheck, randomTensor } from '../helpers/gradcheck.js';

useKernels(createReferenceKernels());

test('sliceLastAxis takes the named columns of every row', () => {
  const x = Tensor.from([0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15], [2, 6]);
  const y = sliceLastAxis(x, 2, 3);
  assert.deepEqual(y.shape, [2, 3]);
  assert.deepEqual(Array.from(y.data), [2, 3, 4, 12, 13, 14]);
  assert.deepEqual(Array.from(sliceLastAxis(x, 6, 0).data), []);
});

test('sliceLastAxis gradient matches finite differences, also for two slices of one tensor', () => {
  const x = randomTensor([2, 3, 6], 1);
  gradcheck(() => sliceLastAxis(x, 1, 4), [x]);
  // The query and key thirds of a fused projection: both gradients land in the one input.
  gradcheck(() => add(sliceLastAxis(x, 0, 2), sliceLastAxis(x, 4, 2)), [x]);
});

test('sliceLastAxis refuses columns outside the tensor in one sentence', () => {
  const x = Tensor.zeros([2, 4]);
  assert.throws(
    () => sliceLastAxis(x, 3, 2),
    (e: unknown) =>
      e instanceof UserError &&
      e.message === 'sliceLastAxis cannot take columns 3 to 5 of a tensor of shape [2, 4].',
  );
  assert.throws(() => sliceLastAxis(x, -1, 1), UserError);
});
