import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useKernels } from '../../src/kernels/active.js';
import { createReferenceKernels } from '../../src/kernels/reference/index.js';
import type { Kernels } from '../../src/kernels/kernels.js';
import * as T from '../../src/tensor/index.js';
import { randomTensor } from '../helpers/gradcheck.js';

useKernels(createReferenceKernels());

/** The reference kernels with a call counter per kernel. */
function countingKernels(): { kernels: Kernels; calls: Map<string, number> } {
  const ref = createReferenceKernels();
  const calls = new Map<string, number>();
  const wrapped = { ...ref } as Record<string, unknown>;
  for (const [name, fn] of Object.entries(ref)) {
    if (typeof fn !== 'function') continue;
    wrapped[name] = (...args: unknown[]) => {
      calls.set(name, (calls.get(name) ?? 0) + 1);
      return (fn as (...a: unknown[]) => unknown)(...args);
    };
  }
  return { kernels: wrapped as unknown as Kernels, calls };
}

test('noGrad records nothing, and isGradEnabled reports it', () => {
  const x = randomTensor([2, 3], 1);
  const w = randomTensor([4, 3], 2);
  const y = T.noGrad(() => {
    assert.equal(T.isGradEnabled(), false);
    return T.gelu(T.linear(x, w));
  });
  assert.equal(T.isGradEnabled(), true);
  assert.equal(y.requiresGrad, false);
  assert.equal(y.gradFn, null);
});

test('ops on frozen inputs record nothing', () => {
  const x = randomTensor([2, 3], 3, false);
  const y = T.tanh(T.add(x, x));
  assert.equal(y.gradFn, null);
});

test('ops look the backend up at call time: forward and backward run on the active kernels', () => {
  const q = randomTensor([1, 2, 4], 4);
  const w = randomTensor([4, 4], 5);
  const gamma = randomTensor([4], 6);
  const beta = randomTensor([4], 7);
  const table = randomTensor([5, 4], 8);
  const { kernels, calls } = countingKernels();
  const previous = useKernels(kernels);
  try {
    const h = T.add(T.embedding(T.IntTensor.from([1, 3], [1, 2]), table), q);
    const a = T.scaledDotProductAttention(h, h, h, { numHeads: 2 });
    const out = T.gelu(T.layerNorm(T.linear(a, w), gamma, beta, 1e-12));
    const logits = T.softmax(T.matmul(out, w, { transB: true }));
    T.backward(T.sum(logits));
  } finally {
    useKernels(previous);
  }
  for (const name of [
    'gemm',
    'gelu',
    'geluBackward',
    'softmax',
    'softmaxBackward',
    'layerNorm',
    'layerNormBackward',
    'embedding',
    'embeddingBackward',
  ]) {
    assert.ok((calls.get(name) ?? 0) > 0, `${name} was not called through kernels()`);
  }
});

test('a frozen linear layer skips its weight GEMM in the backward', () => {
  const x = randomTensor([3, 4], 9);
  const w = randomTensor([2, 4], 10, false);
  const { kernels, calls } = countingKernels();
  const previous = useKernels(kernels);
  try {
    T.backward(T.sum(T.linear(x, w)));
  } finally {
    useKernels(previous);
  }
  assert.equal(calls.get('gemm'), 2); // forward and dx only
  assert.equal(w.grad, null);
});

test('the index re-exports the tensor API', () => {
  for (const name of [
    'Tensor',
    'IntTensor',
    'backward',
    'noGrad',
    'isGradEnabled',
    'Rng',
    'kaimingUniformInit',
    'normalInit',
    'uniformInit',
  ]) {
    assert.ok(name in T, name);
  }
  for (const name of [
    'linear',
    'matmul',
    'add',
    'sub',
    'mul',
    'scale',
    'addScalar',
    'gelu',
    'tanh',
    'softmax',
    'maskedSoftmax',
    'attentionBias',
    'layerNorm',
    'embedding',
    'dropout',
    'crossEntropy',
    'selectFirstToken',
    'reshape',
    'permute',
    'transpose',
    'sum',
    'mean',
    'concat',
    'scaledDotProductAttention',
  ]) {
    assert.equal(typeof (T as Record<string, unknown>)[name], 'function', name);
  }
});
