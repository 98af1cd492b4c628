import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useKernels } from '../../src/kernels/active.js';
import { createReferenceKernels } from '../../src/kernels/reference/index.js';
import { IntTensor, Tensor } from '../../src/tensor/tensor.js';
import { backward } from '../../src/tensor/autograd.js';
import { embedding } from '../../src/tensor/ops/embedding.js';
import { AdamW } from '../../src/optim/adamw.js';

useKernels(createReferenceKernels());

/** Rows `ids` of a 4×2 table, backpropagated with `dOut`; returns a copy of the table's gradient. */
function embeddingGrad(table: Tensor, ids: number[], dOut: number[]): Float32Array {
  const y = embedding(new IntTensor(Int32Array.from(ids), [ids.length]), table);
  backward(y, Float32Array.from(dOut));
  return Float32Array.from(table.grad!);
}

test("after the optimizer's zeroGrad the next backward reuses the buffer, zeroed, not the old sums", () => {
  const table = new Tensor(new Float32Array(8), [4, 2], true);
  const optimizer = new AdamW([['table', table]], { lr: 0.1 });
  embeddingGrad(table, [0, 3], [1, 2, 3, 4]);
  const first = table.grad;
  optimizer.step();
  optimizer.zeroGrad();
  assert.equal(table.grad, null, 'zeroGrad drops the gradient (an unused parameter is skipped next step)');
  const second = embeddingGrad(table, [1], [5, 6]);
  assert.equal(table.grad, first, 'the same buffer came back');
  // Rows 0 and 3 of the first backward must be gone: only row 1 holds a gradient.
  assert.deepEqual([...second], [0, 0, 5, 6, 0, 0, 0, 0]);
});

test('a gradient the parameter did not allocate itself is never reused', () => {
  const table = new Tensor(new Float32Array(8), [4, 2], true);
  const optimizer = new AdamW([['table', table]], { lr: 0.1 });
  const foreign = Float32Array.from([1, 1, 1, 1, 1, 1, 1, 1]);
  table.grad = foreign;
  optimizer.step();
  optimizer.zeroGrad();
  const next = embeddingGrad(table, [2], [7, 8]);
  assert.deepEqual([...next], [0, 0, 0, 0, 7, 8, 0, 0]);
  assert.notEqual(table.grad, foreign);
  assert.deepEqual([...foreign], [1, 1, 1, 1, 1, 1, 1, 1], 'the caller’s array was not written');
});

test('Tensor.zeroGrad still lets the buffer go (a user freeing memory keeps nothing)', () => {
  const table = new Tensor(new Float32Array(8), [4, 2], true);
  embeddingGrad(table, [0], [1, 2]);
  const first = table.grad;
  table.zeroGrad();
  embeddingGrad(table, [0], [1, 2]);
  assert.notEqual(table.grad, first);
});
