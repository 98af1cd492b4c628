import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useKernels } from '../../src/kernels/active.js';
import { createReferenceKernels } from '../../src/kernels/reference/index.js';
import { UserError } from '../../src/errors.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { linear } from '../../src/tensor/ops/linear.js';
import { backward } from '../../src/tensor/autograd.js';
import { gradcheck, randomTensor } from '../helpers/gradcheck.js';

useKernels(createReferenceKernels());

test('linear computes x·Wᵀ + b and skips the gradient of a frozen weight', () => {
  const x = Tensor.from([1, 2, 3, 4], [2, 2], true);
  const w = Tensor.from([1, 0, 0, 1, 1, 1], [3, 2]);
  w.requiresGrad = false;
  const b = Tensor.from([0.5, -0.5, 0], [3], true);
  const y = linear(x, w, b);
  assert.deepEqual(y.toArray(), [1.5, 1.5, 3, 3.5, 3.5, 7]);
  backward(y, new Float32Array(6).fill(1));
  assert.deepEqual(Array.from(x.grad!), [2, 2, 2, 2]);
  assert.deepEqual(Array.from(b.grad!), [2, 2, 2]);
  assert.equal(w.grad, null);
});

test('linear gradients match finite differences, with a bias and a 3-D input', () => {
  const x = randomTensor([2, 3, 4], 1);
  const w = randomTensor([5, 4], 2);
  const b = randomTensor([5], 3);
  gradcheck(() => linear(x, w, b), [x, w, b]);
});

test('linear gradients match finite differences without a bias', () => {
  const x = randomTensor([3, 4], 4);
  const w = randomTensor([2, 4], 5);
  gradcheck(() => linear(x, w), [x, w]);
});

test('linear with a frozen input and bias computes only the weight gradient', () => {
  const x = randomTensor([3, 4], 6, false);
  const w = randomTensor([2, 4], 7);
  const b = randomTensor([2], 8, false);
  gradcheck(() => linear(x, w, b), [x, w, b]);
});

test('linear rejects mismatched shapes with a UserError', () => {
  assert.throws(() => linear(Tensor.zeros([2, 3]), Tensor.zeros([4, 5])), UserError);
  assert.throws(() => linear(Tensor.zeros([2, 3]), Tensor.zeros([4, 3]), Tensor.zeros([3])), /bias/);
});
