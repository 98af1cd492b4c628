import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useKernels } from '../../src/kernels/active.js';
import { createReferenceKernels } from '../../src/kernels/reference/index.js';
import { UserError } from '../../src/errors.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { backward } from '../../src/tensor/autograd.js';
import { add } from '../../src/tensor/ops/add.js';
import { KERNEL_ROW } from '../../src/tensor/ops/broadcast.js';
import { sub } from '../../src/tensor/ops/sub.js';
import { mul } from '../../src/tensor/ops/mul.js';
import { scale } from '../../src/tensor/ops/scale.js';
import { addScalar } from '../../src/tensor/ops/add-scalar.js';
import { sum } from '../../src/tensor/ops/sum.js';
import { gradcheck, randomTensor } from '../helpers/gradcheck.js';

useKernels(createReferenceKernels());

test('add, sub and mul broadcast like NumPy', () => {
  const a = Tensor.from([1, 2, 3, 4, 5, 6], [2, 3]);
  const row = Tensor.from([10, 20, 30], [3]);
  const col = Tensor.from([100, 200], [2, 1]);
  assert.deepEqual(add(a, row).toArray(), [11, 22, 33, 14, 25, 36]);
  assert.deepEqual(add(row, a).toArray(), [11, 22, 33, 14, 25, 36]);
  assert.deepEqual(sub(a, col).toArray(), [-99, -98, -97, -196, -195, -194]);
  assert.deepEqual(mul(col, row).shape, [2, 3]);
  assert.deepEqual(mul(col, row).toArray(), [1000, 2000, 3000, 2000, 4000, 6000]);
  assert.deepEqual(scale(a, 2).toArray(), [2, 4, 6, 8, 10, 12]);
  assert.deepEqual(addScalar(a, -1).toArray(), [0, 1, 2, 3, 4, 5]);
  const scalar = Tensor.from([5], []);
  assert.deepEqual(add(scalar, a).toArray(), [6, 7, 8, 9, 10, 11]);
});

const shapePairs: [number[], number[]][] = [
  [
    [2, 3],
    [2, 3],
  ],
  [
    [2, 3, 4],
    [3, 4],
  ], // position embeddings over the batch
  [
    [2, 3, 4],
    [3, 1],
  ],
  [
    [2, 1, 4],
    [3, 1],
  ], // both sides broadcast
  [[4], [2, 3, 4]],
  [[2, 3], []],
];

for (const [sa, sb] of shapePairs) {
  const name = `[${sa}] and [${sb}]`;
  test(`add gradients with shapes ${name}`, () => {
    const a = randomTensor(sa, 1);
    const b = randomTensor(sb, 2);
    gradcheck(() => add(a, b), [a, b]);
  });
  test(`sub gradients with shapes ${name}`, () => {
    const a = randomTensor(sa, 3);
    const b = randomTensor(sb, 4);
    gradcheck(() => sub(a, b), [a, b]);
  });
  test(`mul gradients with shapes ${name}`, () => {
    const a = randomTensor(sa, 5);
    const b = randomTensor(sb, 6);
    gradcheck(() => mul(a, b), [a, b]);
  });
}

test('scale and addScalar gradients', () => {
  const a = randomTensor([2, 3], 7);
  gradcheck(() => scale(a, -1.5), [a]);
  gradcheck(() => addScalar(a, 3), [a]);
});

test('an operand used twice gets both contributions', () => {
  for (const op of [add, mul, sub]) {
    const a = randomTensor([2, 3], 8);
    gradcheck(() => op(a, a), [a]);
  }
  // x + x where x is an intermediate whose gradient buffer is adopted.
  const x = randomTensor([3], 9);
  gradcheck(() => {
    const h = scale(x, 2);
    return mul(add(h, h), h);
  }, [x]);
});

test('frozen operands get no gradient', () => {
  const a = randomTensor([2, 3], 10);
  const b = randomTensor([3], 11, false);
  gradcheck(() => mul(a, b), [a, b]);
  gradcheck(() => add(b, a), [a, b]);
  const loss = sum(add(a, b));
  backward(loss);
  assert.equal(b.grad, null);
});

test('incompatible shapes throw a UserError naming both shapes', () => {
  assert.throws(
    () => add(Tensor.zeros([2, 3]), Tensor.zeros([2])),
    (e: unknown) => {
      return e instanceof UserError && /\[2, 3\]/.test(e.message) && /\[2\]/.test(e.message);
    },
  );
});

test('a block added over the batch (long rows: a kernel call a row) sums and back-propagates exactly', () => {
  // [3, 64, 80] + [64, 80]: rows of 5,120 values, over KERNEL_ROW, so forward and the block's gradient
  // go through kernels().add on sub-arrays; compared value by value with float32 sums done here.
  assert.ok(64 * 80 >= KERNEL_ROW);
  const a = randomTensor([3, 64, 80], 1, true);
  const block = randomTensor([64, 80], 2, true);
  const y = add(a, block);
  const dy = Float32Array.from({ length: y.size }, (_, i) => Math.fround(Math.sin(i) * 0.5));
  backward(y, dy);
  const n = block.size;
  for (let i = 0; i < y.size; i++)
    assert.equal(y.data[i], Math.fround(a.data[i] + block.data[i % n]), `y[${i}]`);
  for (let j = 0; j < n; j++) {
    let g = 0;
    for (let r = 0; r < 3; r++) g = Math.fround(g + dy[r * n + j]);
    assert.equal(block.grad![j], g, `block gradient ${j}`);
  }
  assert.deepEqual(Array.from(a.grad!), Array.from(dy));
});
