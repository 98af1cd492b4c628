import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useKernels } from '../../src/kernels/active.js';
import { createReferenceKernels } from '../../src/kernels/reference/index.js';
import { UserError } from '../../src/errors.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { backward } from '../../src/tensor/autograd.js';
import { reshape } from '../../src/tensor/ops/reshape.js';
import { permute } from '../../src/tensor/ops/permute.js';
import { transpose } from '../../src/tensor/ops/transpose.js';
import { selectFirstToken } from '../../src/tensor/ops/select-first-token.js';
import { sum } from '../../src/tensor/ops/sum.js';
import { mean } from '../../src/tensor/ops/mean.js';
import { concat } from '../../src/tensor/ops/concat.js';
import { mul } from '../../src/tensor/ops/mul.js';
import { gradcheck, randomTensor } from '../helpers/gradcheck.js';

useKernels(createReferenceKernels());

const iota = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

test('reshape is a view sharing data and infers one −1 axis', () => {
  const x = Tensor.from(iota(6), [2, 3]);
  const y = reshape(x, [3, -1]);
  assert.deepEqual(y.shape, [3, 2]);
  assert.equal(y.data, x.data);
  assert.throws(() => reshape(x, [4, -1]), UserError);
  assert.throws(() => reshape(x, [-1, -1]), UserError);
  assert.throws(() => reshape(x, [7]), UserError);
});

test('reshape gradient, including a reshaped tensor used twice', () => {
  const x = randomTensor([2, 3], 1);
  gradcheck(() => reshape(x, [3, 2]), [x]);
  gradcheck(() => {
    const y = reshape(x, [6]);
    return mul(y, reshape(x, [-1]));
  }, [x]);
});

test('permute and transpose copy into the new axis order', () => {
  const x = Tensor.from(iota(24), [2, 3, 4]);
  const y = permute(x, [2, 0, 1]);
  assert.deepEqual(y.shape, [4, 2, 3]);
  // y[k, i, j] = x[i, j, k]
  for (let k = 0; k < 4; k++)
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 3; j++) assert.equal(y.data[(k * 2 + i) * 3 + j], x.data[(i * 3 + j) * 4 + k]);
  const t = transpose(x, 0, -1);
  assert.deepEqual(t.shape, [4, 3, 2]);
  assert.equal(t.data[(1 * 3 + 2) * 2 + 1], x.data[(1 * 3 + 2) * 4 + 1]);
  assert.throws(() => permute(x, [0, 0, 1]), UserError);
  assert.throws(() => transpose(x, 0, 3), UserError);
});

test('permute and transpose gradients', () => {
  const x = randomTensor([2, 3, 4], 2);
  gradcheck(() => permute(x, [1, 2, 0]), [x]);
  gradcheck(() => transpose(x, 1, 2), [x]);
  const y = randomTensor([2, 3, 2, 2], 3);
  gradcheck(() => permute(y, [0, 2, 1, 3]), [y]);
});

test('selectFirstToken takes x[:, 0, :]', () => {
  const x = Tensor.from(iota(12), [2, 3, 2]);
  assert.deepEqual(selectFirstToken(x).toArray(), [0, 1, 6, 7]);
  const r = randomTensor([2, 3, 4], 4);
  gradcheck(() => selectFirstToken(r), [r]);
  assert.throws(() => selectFirstToken(Tensor.zeros([2, 3])), UserError);
});

test('sum and mean are scalars with uniform gradients', () => {
  const x = Tensor.from([1, 2, 3, 6], [2, 2], true);
  const s = sum(x);
  assert.deepEqual(s.shape, []);
  assert.equal(s.data[0], 12);
  assert.equal(mean(x).data[0], 3);
  backward(mean(x));
  assert.deepEqual(Array.from(x.grad!), [0.25, 0.25, 0.25, 0.25]);
  const r = randomTensor([3, 2], 5);
  gradcheck(() => sum(r), [r]);
  gradcheck(() => mean(r), [r]);
});

test('concat joins along an axis and splits the gradient back', () => {
  const a = Tensor.from([1, 2, 3, 4], [2, 2]);
  const b = Tensor.from([5, 6], [2, 1]);
  assert.deepEqual(concat([a, b], 1).toArray(), [1, 2, 5, 3, 4, 6]);
  assert.deepEqual(concat([a, Tensor.from([7, 8], [1, 2])], 0).toArray(), [1, 2, 3, 4, 7, 8]);
  const x = randomTensor([2, 2, 3], 6);
  const y = randomTensor([2, 1, 3], 7);
  const z = randomTensor([2, 3, 3], 8, false);
  gradcheck(() => concat([x, y, z], 1), [x, y, z]);
  assert.throws(() => concat([a, Tensor.zeros([3, 1])], 1), UserError);
});
