import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useKernels } from '../../src/kernels/active.js';
import { createReferenceKernels } from '../../src/kernels/reference/index.js';
import { UserError } from '../../src/errors.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { matmul } from '../../src/tensor/ops/matmul.js';
import { gradcheck, randomTensor } from '../helpers/gradcheck.js';

useKernels(createReferenceKernels());

/** Plain triple loop over the batch, reading transposes by index. */
function naiveMatmul(a: Tensor, b: Tensor, transA: boolean, transB: boolean): number[] {
  const [a0, a1] = a.shape.slice(-2);
  const [b0, b1] = b.shape.slice(-2);
  const m = transA ? a1 : a0;
  const k = transA ? a0 : a1;
  const n = transB ? b0 : b1;
  const batch = a.size / (a0 * a1);
  const out: number[] = [];
  for (let bi = 0; bi < batch; bi++) {
    const ao = bi * a0 * a1;
    const bo = b.rank === 2 ? 0 : bi * b0 * b1;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) {
          const av = transA ? a.data[ao + p * m + i] : a.data[ao + i * k + p];
          const bv = transB ? b.data[bo + j * k + p] : b.data[bo + p * n + j];
          s += av * bv;
        }
        out.push(s);
      }
    }
  }
  return out;
}

test('matmul multiplies 2-D matrices by hand', () => {
  const a = Tensor.from([1, 2, 3, 4, 5, 6], [2, 3]);
  const b = Tensor.from([1, 0, 0, 1, 1, 1], [3, 2]);
  const y = matmul(a, b);
  assert.deepEqual(y.shape, [2, 2]);
  assert.deepEqual(y.toArray(), [4, 5, 10, 11]);
});

const cases: { name: string; a: number[]; b: number[]; transA: boolean; transB: boolean }[] = [
  { name: '2-D', a: [3, 4], b: [4, 2], transA: false, transB: false },
  { name: 'batched a, shared b', a: [2, 3, 4], b: [4, 5], transA: false, transB: false },
  { name: 'batched a, shared bᵀ', a: [2, 3, 4], b: [5, 4], transA: false, transB: true },
  { name: 'batched aᵀ, shared b', a: [2, 4, 3], b: [4, 5], transA: true, transB: false },
  { name: 'batched aᵀ, shared bᵀ', a: [2, 2, 4, 3], b: [5, 4], transA: true, transB: true },
  { name: 'same batch', a: [2, 3, 4], b: [2, 4, 5], transA: false, transB: false },
  { name: 'same batch, both transposed', a: [2, 4, 3], b: [2, 5, 4], transA: true, transB: true },
  { name: '4-D same batch, bᵀ', a: [2, 2, 3, 4], b: [2, 2, 5, 4], transA: false, transB: true },
  { name: '4-D same batch, aᵀ', a: [2, 2, 4, 3], b: [2, 2, 4, 5], transA: true, transB: false },
];

for (const c of cases) {
  test(`matmul ${c.name}: forward matches loops, gradients match finite differences`, () => {
    const a = randomTensor(c.a, 11);
    const b = randomTensor(c.b, 12);
    const opts = { transA: c.transA, transB: c.transB };
    const y = matmul(a, b, opts);
    const expected = naiveMatmul(a, b, c.transA, c.transB);
    assert.equal(y.size, expected.length);
    y.data.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-5));
    gradcheck(() => matmul(a, b, opts), [a, b]);
  });
}

test('matmul skips the gradient of a frozen operand', () => {
  const a = randomTensor([2, 3, 4], 13, false);
  const b = randomTensor([4, 5], 14);
  gradcheck(() => matmul(a, b), [a, b]);
  const a2 = randomTensor([2, 4, 3], 15);
  const b2 = randomTensor([2, 5, 4], 16, false);
  gradcheck(() => matmul(a2, b2, { transA: true, transB: true }), [a2, b2]);
});

test('matmul rejects inner-size and batch mismatches', () => {
  assert.throws(() => matmul(Tensor.zeros([2, 3]), Tensor.zeros([4, 2])), UserError);
  assert.throws(() => matmul(Tensor.zeros([2, 3, 4]), Tensor.zeros([3, 4, 5])), /batch/);
  assert.throws(() => matmul(Tensor.zeros([3]), Tensor.zeros([3, 4])), UserError);
});
