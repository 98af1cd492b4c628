import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useKernels } from '../../src/kernels/active.js';
import { createReferenceKernels } from '../../src/kernels/reference/index.js';
import { UserError } from '../../src/errors.js';
import { IntTensor, Tensor } from '../../src/tensor/tensor.js';
import { backward } from '../../src/tensor/autograd.js';
import { embedding } from '../../src/tensor/ops/embedding.js';
import { gradcheck, randomTensor } from '../helpers/gradcheck.js';

useKernels(createReferenceKernels());

test('embedding gathers rows into [...ids.shape, D]', () => {
  const table = Tensor.from([0, 1, 10, 11, 20, 21], [3, 2]);
  const y = embedding(IntTensor.from([2, 0, 1, 2], [2, 2]), table);
  assert.deepEqual(y.shape, [2, 2, 2]);
  assert.deepEqual(y.toArray(), [20, 21, 0, 1, 10, 11, 20, 21]);
});

test('embedding gradient scatter-adds repeated ids', () => {
  const table = Tensor.from([0, 1, 10, 11, 20, 21], [3, 2], true);
  const y = embedding(IntTensor.from([1, 1, 2], [3]), table);
  backward(y, Float32Array.from([1, 2, 3, 4, 5, 6]));
  assert.deepEqual(Array.from(table.grad!), [0, 0, 4, 6, 5, 6]);
});

test('embedding gradient matches finite differences with repeated ids', () => {
  const table = randomTensor([5, 3], 1);
  const ids = IntTensor.from([1, 2, 1, 0, 1, 3], [2, 3]);
  gradcheck(() => embedding(ids, table), [table]);
});

test('a frozen table gets no gradient and records nothing', () => {
  const table = randomTensor([5, 3], 2, false);
  const y = embedding(IntTensor.from([0, 4], [2]), table);
  assert.equal(y.requiresGrad, false);
  assert.equal(y.gradFn, null);
});

test('out-of-range ids throw a UserError naming the id', () => {
  const table = Tensor.zeros([4, 2]);
  assert.throws(
    () => embedding(IntTensor.from([0, 4], [2]), table),
    (e: unknown) => e instanceof UserError && /4/.test(e.message),
  );
  assert.throws(() => embedding(IntTensor.from([-1], [1]), table), UserError);
});
