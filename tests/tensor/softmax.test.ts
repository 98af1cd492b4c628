import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useKernels } from '../../src/kernels/active.js';
import { createReferenceKernels } from '../../src/kernels/reference/index.js';
import { UserError } from '../../src/errors.js';
import { IntTensor, Tensor } from '../../src/tensor/tensor.js';
import { softmax } from '../../src/tensor/ops/softmax.js';
import { maskedSoftmax } from '../../src/tensor/ops/masked-softmax.js';
import { attentionBias, MASKED_BIAS } from '../../src/tensor/ops/attention-bias.js';
import { assertClose, gradcheck, randomTensor } from '../helpers/gradcheck.js';

useKernels(createReferenceKernels());

test('softmax rows sum to 1 and match hand values; large logits do not overflow', () => {
  const y = softmax(Tensor.from([0, Math.log(3), 1000, 1000, 1000, 1000], [3, 2]));
  assertClose(y.data, [0.25, 0.75, 0.5, 0.5, 0.5, 0.5], 1e-7);
  const r = softmax(randomTensor([4, 7], 1, false, 3));
  for (let i = 0; i < 4; i++) {
    let s = 0;
    for (let j = 0; j < 7; j++) s += r.data[i * 7 + j];
    assert.ok(Math.abs(s - 1) < 1e-6);
  }
});

test('softmax gradient matches finite differences', () => {
  const x = randomTensor([2, 3, 4], 2);
  gradcheck(() => softmax(x), [x]);
});

test('attentionBias is 0 for tokens and float32 min for padding', () => {
  const bias = attentionBias(IntTensor.from([1, 1, 0, 1, 0, 0], [2, 3]));
  assert.deepEqual(bias.shape, [2, 3]);
  assert.equal(MASKED_BIAS, -3.4028234663852886e38);
  assert.deepEqual(bias.toArray(), [0, 0, MASKED_BIAS, 0, MASKED_BIAS, MASKED_BIAS]);
  assert.equal(bias.requiresGrad, false);
  assert.throws(() => attentionBias(IntTensor.from([1, 2], [1, 2])), UserError);
  assert.throws(() => attentionBias(IntTensor.from([1, 1], [2])), UserError);
});

test('maskedSoftmax gives padded keys zero weight, per batch row and for every head', () => {
  const scores = randomTensor([2, 2, 3, 4], 3, false);
  const bias = attentionBias(IntTensor.from([1, 1, 1, 1, 1, 1, 0, 0], [2, 4]));
  const y = maskedSoftmax(scores, bias);
  for (let r = 0; r < 12; r++) {
    const row = y.data.subarray(r * 4, r * 4 + 4);
    assert.ok(Math.abs(row.reduce((s, v) => s + v, 0) - 1) < 1e-6);
    if (r >= 6) {
      assert.equal(row[2], 0);
      assert.equal(row[3], 0);
    } else {
      assert.ok(row[3] > 0);
    }
  }
  // Unmasked rows equal a plain softmax.
  const plain = softmax(scores);
  assertClose(y.data.subarray(0, 24), plain.data.subarray(0, 24), 1e-7);
});

test('maskedSoftmax gradient matches finite differences with a padded position', () => {
  const scores = randomTensor([2, 2, 3, 4], 4);
  const bias = attentionBias(IntTensor.from([1, 1, 1, 0, 1, 1, 0, 0], [2, 4]));
  gradcheck(() => maskedSoftmax(scores, bias), [scores, bias]);
});

test('maskedSoftmax with a trainable bias passes it the summed gradient', () => {
  const scores = randomTensor([2, 2, 2, 3], 5);
  const bias = randomTensor([2, 3], 6);
  gradcheck(() => maskedSoftmax(scores, bias), [scores, bias]);
  const frozenScores = randomTensor([2, 2, 2, 3], 7, false);
  gradcheck(() => maskedSoftmax(frozenScores, bias), [frozenScores, bias]);
});

test('maskedSoftmax rejects a bias of the wrong shape', () => {
  assert.throws(() => maskedSoftmax(Tensor.zeros([2, 2, 3, 4]), Tensor.zeros([2, 3])), UserError);
});
