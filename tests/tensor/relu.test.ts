import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useKernels } from '../../src/kernels/active.js';
import { createReferenceKernels } from '../../src/kernels/reference/index.js';
import { backward } from '../../src/tensor/autograd.js';
import { relu } from '../../src/tensor/ops/relu.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { gradcheck, randomTensor } from '../helpers/gradcheck.js';

useKernels(createReferenceKernels());

test('relu keeps positives and zeroes the rest', () => {
  assert.deepEqual([...relu(Tensor.from([-2, -0.5, 0, 0.25, 3], [5])).data], [0, 0, 0, 0.25, 3]);
});

test('relu gradient: passes where the input is positive, 0 at and below 0 (as torch)', () => {
  const x = Tensor.from([-1, 0, 2], [3], true);
  backward(relu(x), Float32Array.from([5, 6, 7]));
  assert.deepEqual([...x.grad!], [0, 0, 7]);
  // Away from the kink the analytic gradient matches finite differences.
  const y = randomTensor([3, 4], 3, true, 2);
  for (let i = 0; i < y.size; i++) if (Math.abs(y.data[i]) < 0.05) y.data[i] = 0.5;
  gradcheck(() => relu(y), [y]);
});
