import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useKernels } from '../../src/kernels/active.js';
import { createReferenceKernels } from '../../src/kernels/reference/index.js';
import { record } from '../../src/tensor/autograd.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { gradcheck, randomTensor } from '../helpers/gradcheck.js';

useKernels(createReferenceKernels());

/** x³ with a backward that is off by `error` (relative): the checker must notice. */
function cube(x: Tensor, error: number): Tensor {
  const y = Tensor.zeros(x.shape);
  for (let i = 0; i < x.size; i++) y.data[i] = x.data[i] ** 3;
  return record(y, 'cube', [x], (dy) => {
    const g = x.gradBuffer();
    for (let i = 0; i < g.length; i++) g[i] += dy[i] * 3 * x.data[i] ** 2 * (1 + error);
  });
}

test('gradcheck passes a correct backward and catches a 5 % error', () => {
  const x = randomTensor([3, 4], 1);
  const report = gradcheck(() => cube(x, 0), [x]);
  assert.equal(report.checked, 12);
  assert.ok(report.worst < 0.5, `worst ratio ${report.worst}`);
  assert.throws(() => gradcheck(() => cube(x, 0.05), [x]), /gradient check failed/);
});

test('gradcheck fails when a frozen input receives a gradient', () => {
  const x = randomTensor([2], 2, false);
  const w = randomTensor([2], 3);
  const leaky = (): Tensor => {
    const y = Tensor.zeros([2]);
    for (let i = 0; i < 2; i++) y.data[i] = x.data[i] * w.data[i];
    return record(y, 'leaky', [x, w], (dy) => {
      const gx = x.gradBuffer(); // wrong: x is frozen
      const gw = w.gradBuffer();
      for (let i = 0; i < 2; i++) {
        gx[i] += dy[i] * w.data[i];
        gw[i] += dy[i] * x.data[i];
      }
    });
  };
  assert.throws(() => gradcheck(leaky, [x, w]), /does not require a gradient/);
});
