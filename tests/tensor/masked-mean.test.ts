import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useKernels } from '../../src/kernels/active.js';
import { createReferenceKernels } from '../../src/kernels/reference/index.js';
import { UserError } from '../../src/errors.js';
import { IntTensor, Tensor } from '../../src/tensor/tensor.js';
import { maskedMean } from '../../src/tensor/ops/masked-mean.js';
import { assertClose, gradcheck, randomTensor } from '../helpers/gradcheck.js';

useKernels(createReferenceKernels());

test('maskedMean averages the real tokens of each row and ignores padding', () => {
  // Row 0: tokens 0 and 1 are real; row 1: all three.
  const x = Tensor.from([1, 10, 3, 20, 1000, -1000, 0, 0, 3, 3, 6, -3], [2, 3, 2]);
  const mask = IntTensor.from([1, 1, 0, 1, 1, 1], [2, 3]);
  assertClose(maskedMean(x, mask).data, [2, 15, 3, 0], 1e-7);
});

test('maskedMean gradient matches finite differences; padded positions get none', () => {
  const x = randomTensor([2, 4, 3], 1);
  const mask = IntTensor.from([1, 1, 1, 0, 1, 0, 0, 0], [2, 4]);
  gradcheck(() => maskedMean(x, mask), [x]);
  assert.deepEqual(Array.from(x.grad!.subarray(9, 12)), [0, 0, 0]);
});

test('maskedMean refuses a row without tokens, a mask of another shape and values other than 0 and 1', () => {
  const x = Tensor.zeros([2, 2, 3]);
  const message = (m: string) => (e: unknown) => e instanceof UserError && e.message === m;
  assert.throws(
    () => maskedMean(x, IntTensor.from([1, 0, 0, 0], [2, 2])),
    message('maskedMean cannot average row 1: its attention mask has no real token.'),
  );
  assert.throws(
    () => maskedMean(x, IntTensor.from([1, 1], [1, 2])),
    message('maskedMean expects a mask of shape [2, 2], but got [1, 2].'),
  );
  assert.throws(
    () => maskedMean(x, IntTensor.from([1, 2, 1, 1], [2, 2])),
    message('maskedMean expects a mask of zeros and ones, but found 2 in row 0.'),
  );
});
