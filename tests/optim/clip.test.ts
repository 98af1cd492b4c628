import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor } from '../../src/tensor/tensor.js';
import { clipGradNorm, gradNorm } from '../../src/optim/clip.js';

test('clipGradNorm scales by maxNorm / (norm + 1e-6) across all parameters and returns the old norm', () => {
  const a = Tensor.from([0, 0], [2], true);
  const b = Tensor.from([0], [1], true);
  const c = Tensor.from([0], [1], true); // no gradient: counts as zero
  a.grad = Float32Array.from([3, 0]);
  b.grad = Float32Array.from([4]);
  const norm = clipGradNorm([a, b, c], 1);
  assert.equal(norm, 5);
  const coef = 1 / (5 + 1e-6);
  assert.ok(Math.abs(a.grad[0] - 3 * coef) < 1e-7);
  assert.ok(Math.abs(b.grad[0] - 4 * coef) < 1e-7);
  assert.equal(c.grad, null);
  assert.ok(Math.abs(gradNorm([a, b]) - 1) < 1e-6);
});

test('clipGradNorm leaves small gradients alone', () => {
  const a = Tensor.from([0, 0], [2], true);
  a.grad = Float32Array.from([0.3, 0.4]);
  assert.ok(Math.abs(clipGradNorm([a], 1) - 0.5) < 1e-7);
  assert.deepEqual(Array.from(a.grad), [Math.fround(0.3), Math.fround(0.4)]);
});

test('a NaN or infinite gradient gives a non-finite norm and no scaling', () => {
  const a = Tensor.from([0, 0], [2], true);
  a.grad = Float32Array.from([Number.NaN, 1]);
  assert.ok(Number.isNaN(clipGradNorm([a], 1)));
  a.grad = Float32Array.from([Number.POSITIVE_INFINITY, 1]);
  assert.equal(clipGradNorm([a], 1), Number.POSITIVE_INFINITY);
  assert.equal(a.grad[1], 1);
});

test('gradNorm counts every value of long gradients, whatever their length modulo its eight sums', () => {
  for (const length of [1, 7, 8, 9, 23, 1000]) {
    const values = Float32Array.from({ length }, (_, i) =>
      Math.fround(Math.sin(i + 1) * (i % 3 === 0 ? 100 : 0.01)),
    );
    const a = Tensor.from(Array.from(values), [length], true);
    a.grad = values;
    let expected = 0;
    for (const v of values) expected += v * v;
    assert.ok(
      Math.abs(gradNorm([a]) - Math.sqrt(expected)) <= 1e-12 * Math.sqrt(expected),
      `length ${length}`,
    );
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY]) {
      for (const at of [0, length - 1, Math.floor(length / 2)]) {
        const withBad = values.slice();
        withBad[at] = bad;
        a.grad = withBad;
        assert.ok(!Number.isFinite(gradNorm([a])), `length ${length}, ${bad} at ${at}`);
      }
    }
  }
});
