import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useKernels } from '../../src/kernels/active.js';
import { createReferenceKernels } from '../../src/kernels/reference/index.js';
import { UserError } from '../../src/errors.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { Rng } from '../../src/tensor/random.js';
import { dropout } from '../../src/tensor/ops/dropout.js';
import { gradcheck, randomTensor } from '../helpers/gradcheck.js';

useKernels(createReferenceKernels());

test('dropout is the identity (same tensor) in eval mode and for p = 0', () => {
  const x = randomTensor([3, 4], 1);
  assert.equal(dropout(x, 0.5, new Rng(1), false), x);
  assert.equal(dropout(x, 0, new Rng(1), true), x);
});

test('dropout zeroes about p of the elements and scales survivors by 1/(1-p)', () => {
  const x = Tensor.fill([10000], 1);
  const y = dropout(x, 0.25, new Rng(3), true);
  let zeros = 0;
  for (const v of y.data) {
    if (v === 0) zeros++;
    else assert.ok(Math.abs(v - 1 / 0.75) < 1e-6);
  }
  assert.ok(Math.abs(zeros / 10000 - 0.25) < 0.02, `dropped fraction ${zeros / 10000}`);
});

test('dropout is deterministic for a seed and differs across seeds', () => {
  const x = randomTensor([50], 2);
  const a = dropout(x, 0.5, new Rng(7), true).toArray();
  const b = dropout(x, 0.5, new Rng(7), true).toArray();
  const c = dropout(x, 0.5, new Rng(8), true).toArray();
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
});

test('dropout gradient matches finite differences (same mask each call)', () => {
  const x = randomTensor([4, 5], 3);
  gradcheck(() => dropout(x, 0.3, new Rng(11), true), [x]);
});

test('dropout with p = 1 gives zeros; p outside [0, 1] is an error', () => {
  const x = randomTensor([6], 4);
  assert.deepEqual(dropout(x, 1, new Rng(1), true).toArray(), [0, 0, 0, 0, 0, 0]);
  assert.throws(() => dropout(x, 1.5, new Rng(1), true), UserError);
  assert.throws(() => dropout(x, -0.1, new Rng(1), true), UserError);
});
