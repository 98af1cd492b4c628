import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor } from '../../src/tensor/tensor.js';
import { linear } from '../../src/tensor/ops/linear.js';
import { backward } from '../../src/tensor/autograd.js';

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
