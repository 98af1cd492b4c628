import { test } from 'node:test';
import { useKernels } from '../../src/kernels/active.js';
import { createReferenceKernels } from '../../src/kernels/reference/index.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { gelu } from '../../src/tensor/ops/gelu.js';
import { tanh } from '../../src/tensor/ops/tanh.js';
import { assertClose, gradcheck, randomTensor } from '../helpers/gradcheck.js';

useKernels(createReferenceKernels());

test('gelu is the erf form: gelu(1) = 0.8413447, gelu(-1) = -0.1586553, gelu(0) = 0', () => {
  const y = gelu(Tensor.from([1, -1, 0, 3], [4]));
  // 3·Φ(3) = 3 · 0.9986501; the tanh approximation would give 2.9963627.
  assertClose(y.data, [0.8413447, -0.1586553, 0, 2.9959502], 1e-6);
});

test('gelu gradient matches finite differences', () => {
  const x = randomTensor([2, 5], 1, true, 2);
  gradcheck(() => gelu(x), [x]);
});

test('tanh values and gradient', () => {
  const y = tanh(Tensor.from([0, 1, -2], [3]));
  assertClose(y.data, [0, Math.tanh(1), Math.tanh(-2)], 1e-7);
  const x = randomTensor([3, 4], 2);
  gradcheck(() => tanh(x), [x]);
});
