import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useKernels } from '../../src/kernels/active.js';
import { createReferenceKernels } from '../../src/kernels/reference/index.js';
import { UserError } from '../../src/errors.js';
import { IntTensor, Tensor } from '../../src/tensor/tensor.js';
import { backward } from '../../src/tensor/autograd.js';
import { crossEntropy } from '../../src/tensor/ops/cross-entropy.js';
import { gradcheck, randomTensor } from '../helpers/gradcheck.js';

useKernels(createReferenceKernels());

test('crossEntropy is the mean negative log-probability of the label', () => {
  const logits = Tensor.from([0, 0, 0, Math.log(3), 0, 0], [2, 3]);
  const loss = crossEntropy(logits, IntTensor.from([0, 0], [2]));
  assert.deepEqual(loss.shape, []);
  // Row 1: ln 3. Row 2: −ln(3/5).
  assert.ok(Math.abs(loss.data[0] - (Math.log(3) + Math.log(5 / 3)) / 2) < 1e-6);
});

test('crossEntropy is stable for huge logits', () => {
  const loss = crossEntropy(Tensor.from([1000, 0, -1000, 1000], [2, 2]), IntTensor.from([0, 0], [2]));
  assert.ok(Math.abs(loss.data[0] - 1000) < 1e-3);
  assert.ok(Number.isFinite(loss.data[0]));
});

test('crossEntropy gradient matches finite differences', () => {
  const logits = randomTensor([4, 5], 1, true, 2);
  const labels = IntTensor.from([0, 4, 2, 2], [4]);
  gradcheck(() => crossEntropy(logits, labels), [logits]);
});

test('ignoreIndex rows are left out of the loss, the mean and the gradient', () => {
  const logits = randomTensor([3, 4], 2);
  const labels = IntTensor.from([1, -100, 3], [3]);
  const full = crossEntropy(logits, labels);
  const kept = crossEntropy(
    new Tensor(Float32Array.from([...logits.data.subarray(0, 4), ...logits.data.subarray(8, 12)]), [2, 4]),
    IntTensor.from([1, 3], [2]),
  );
  assert.ok(Math.abs(full.data[0] - kept.data[0]) < 1e-6);
  gradcheck(() => crossEntropy(logits, labels), [logits]);
  logits.zeroGrad();
  backward(crossEntropy(logits, labels));
  assert.deepEqual(Array.from(logits.grad!.subarray(4, 8)), [0, 0, 0, 0]);
  const custom = crossEntropy(logits, IntTensor.from([7, 7, 0], [3]), { ignoreIndex: 7 });
  assert.ok(Number.isFinite(custom.data[0]));
});

test('all rows ignored gives a loss of 0', () => {
  const logits = randomTensor([2, 3], 3);
  const loss = crossEntropy(logits, IntTensor.from([-100, -100], [2]));
  assert.equal(loss.data[0], 0);
  backward(loss);
  assert.deepEqual(Array.from(logits.grad!), [0, 0, 0, 0, 0, 0]);
});

test('labels out of range and mismatched shapes throw a UserError', () => {
  const logits = Tensor.zeros([2, 3]);
  assert.throws(
    () => crossEntropy(logits, IntTensor.from([0, 3], [2])),
    (e: unknown) => e instanceof UserError && /3/.test(e.message),
  );
  assert.throws(() => crossEntropy(logits, IntTensor.from([-1, 0], [2])), UserError);
  assert.throws(() => crossEntropy(logits, IntTensor.from([0], [1])), UserError);
});
