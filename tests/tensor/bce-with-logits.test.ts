import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useKernels } from '../../src/kernels/active.js';
import { createReferenceKernels } from '../../src/kernels/reference/index.js';
import { UserError } from '../../src/errors.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { backward } from '../../src/tensor/autograd.js';
import { bceWithLogits, sigmoid } from '../../src/tensor/ops/bce-with-logits.js';
import { gradcheck, randomTensor } from '../helpers/gradcheck.js';
import { Rng } from '../../src/tensor/random.js';

useKernels(createReferenceKernels());

test('bceWithLogits on small numbers, worked by hand', () => {
  // x = 0, y = 1: ln 2. x = 2, y = 0: 2 + ln(1 + e^-2). x = -3, y = 1: 3 + ln(1 + e^-3).
  // x = 1.5, y = 0.25: 1.5 - 0.375 + ln(1 + e^-1.5). Mean of the four: 1.798768955…
  const logits = Tensor.from([0, 2, -3, 1.5], [2, 2], true);
  const targets = Tensor.from([1, 0, 1, 0.25], [2, 2]);
  const loss = bceWithLogits(logits, targets);
  assert.deepEqual(loss.shape, []);
  assert.ok(Math.abs(loss.data[0] - 1.798768955289853) < 1e-6, `loss ${loss.data[0]}`);
  backward(loss);
  // d/dx = (σ(x) − y) / 4: σ(0) = 0.5 gives −0.125 exactly.
  const expected = [-0.125, 0.22019926949447058, -0.2381435317056083, 0.1418936190484109];
  expected.forEach((g, i) => assert.ok(Math.abs(logits.grad![i] - g) < 1e-6, `grad ${i}`));
  assert.equal(targets.grad, null);
});

test("bceWithLogits equals PyTorch's documented formula −[y·log σ(x) + (1 − y)·log(1 − σ(x))], mean", () => {
  const rng = new Rng(7);
  const n = 5;
  const c = 4;
  const x = Array.from({ length: n * c }, () => rng.normal() * 3);
  const y = Array.from({ length: n * c }, (_, i) => (i % 3 === 0 ? 1 : i % 3 === 1 ? 0 : rng.uniform()));
  const logits = Tensor.from(x, [n, c]);
  const loss = bceWithLogits(logits, Tensor.from(y, [n, c]));
  let documented = 0;
  const xs = logits.data; // the float32 values the op saw
  for (let i = 0; i < n * c; i++) {
    const s = 1 / (1 + Math.exp(-xs[i]));
    documented += -(y[i] * Math.log(s) + (1 - y[i]) * Math.log(1 - s));
  }
  documented /= n * c;
  assert.ok(
    Math.abs(loss.data[0] - documented) < 1e-5 * Math.max(1, documented),
    `${loss.data[0]} vs ${documented}`,
  );
});

test('bceWithLogits stays finite for huge logits of either sign', () => {
  const logits = Tensor.from([1000, -1000, 1000, -1000], [2, 2], true);
  // Right answers cost nothing; wrong ones cost |x|.
  const loss = bceWithLogits(logits, Tensor.from([1, 0, 0, 1], [2, 2]));
  assert.ok(Math.abs(loss.data[0] - 500) < 1e-3, `loss ${loss.data[0]}`);
  backward(loss);
  assert.deepEqual(Array.from(logits.grad!), [0, 0, 0.25, -0.25]);
  assert.equal(sigmoid(-1000), 0);
  assert.equal(sigmoid(1000), 1);
});

test('bceWithLogits gradient matches finite differences', () => {
  const logits = randomTensor([4, 3], 11, true, 2);
  const targets = Tensor.from([1, 0, 1, 0, 0, 0, 1, 1, 1, 0.5, 0, 1], [4, 3]);
  gradcheck(() => bceWithLogits(logits, targets), [logits]);
});

test('bceWithLogits refuses mismatched shapes and targets outside [0, 1]', () => {
  const logits = Tensor.zeros([2, 3]);
  assert.throws(() => bceWithLogits(logits, Tensor.zeros([2, 2])), UserError);
  assert.throws(() => bceWithLogits(logits, Tensor.zeros([6])), UserError);
  assert.throws(
    () => bceWithLogits(logits, Tensor.from([0, 1, 2, 0, 0, 0], [2, 3])),
    (e: unknown) => e instanceof UserError && /target 2/.test(e.message),
  );
});
