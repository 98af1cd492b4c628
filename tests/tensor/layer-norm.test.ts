import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useKernels } from '../../src/kernels/active.js';
import { createReferenceKernels } from '../../src/kernels/reference/index.js';
import { UserError } from '../../src/errors.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { layerNorm } from '../../src/tensor/ops/layer-norm.js';
import { assertClose, gradcheck, randomTensor } from '../helpers/gradcheck.js';

useKernels(createReferenceKernels());

test('layerNorm normalises each row with biased variance, then scales and shifts', () => {
  const x = Tensor.from([1, 2, 3, 4, -1, -1, 1, 1], [2, 4]);
  const gamma = Tensor.from([1, 1, 2, 2], [4]);
  const beta = Tensor.from([0, 0, 0, 1], [4]);
  const y = layerNorm(x, gamma, beta, 1e-12);
  // Row 1: mean 2.5, variance 1.25.
  const s = 1 / Math.sqrt(1.25);
  assertClose(y.data, [-1.5 * s, -0.5 * s, 1 * s, 3 * s + 1, -1, -1, 2, 3], 1e-6);
});

test('layerNorm gradients for x, gamma and beta match finite differences', () => {
  const x = randomTensor([2, 3, 5], 1);
  const gamma = randomTensor([5], 2);
  const beta = randomTensor([5], 3);
  gradcheck(() => layerNorm(x, gamma, beta, 1e-12), [x, gamma, beta]);
});

test('layerNorm with frozen gamma and beta computes only dx; with a frozen input only dγ and dβ', () => {
  const x = randomTensor([3, 4], 4);
  const gamma = randomTensor([4], 5, false);
  const beta = randomTensor([4], 6, false);
  gradcheck(() => layerNorm(x, gamma, beta, 1e-5), [x, gamma, beta]);
  const x2 = randomTensor([3, 4], 7, false);
  const gamma2 = randomTensor([4], 8);
  const beta2 = randomTensor([4], 9);
  gradcheck(() => layerNorm(x2, gamma2, beta2, 1e-5), [x2, gamma2, beta2]);
});

test('layerNorm rejects gamma of the wrong size', () => {
  assert.throws(
    () => layerNorm(Tensor.zeros([2, 4]), Tensor.zeros([3]), Tensor.zeros([4]), 1e-12),
    UserError,
  );
});
