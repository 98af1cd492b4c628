import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useKernels } from '../../src/kernels/active.js';
import { createReferenceKernels } from '../../src/kernels/reference/index.js';
import { UserError } from '../../src/errors.js';
import { IntTensor, Tensor } from '../../src/tensor/tensor.js';
import { MASKED_BIAS, attentionBias } from '../../src/tensor/ops/attention-bias.js';
import { slidingWindowBias } from '../../src/tensor/ops/sliding-window-bias.js';
import { scaledDotProductAttention } from '../../src/tensor/ops/scaled-dot-product-attention.js';
import { add } from '../../src/tensor/ops/add.js';
import { matmul } from '../../src/tensor/ops/matmul.js';
import { permute } from '../../src/tensor/ops/permute.js';
import { reshape } from '../../src/tensor/ops/reshape.js';
import { scale } from '../../src/tensor/ops/scale.js';
import { softmax } from '../../src/tensor/ops/softmax.js';
import { assertClose, gradcheck, randomTensor } from '../helpers/gradcheck.js';

useKernels(createReferenceKernels());

const M = MASKED_BIAS;

test('slidingWindowBias keeps real keys within the half-window of each query', () => {
  // Length 5, half-window 1; the last token of row 0 is padding.
  const bias = slidingWindowBias(IntTensor.from([1, 1, 1, 1, 0], [1, 5]), 1);
  assert.deepEqual(bias.shape, [1, 5, 5]);
  assert.deepEqual(Array.from(bias.data), [
    ...[0, 0, M, M, M],
    ...[0, 0, 0, M, M],
    ...[M, 0, 0, 0, M],
    ...[M, M, 0, 0, M],
    ...[M, M, M, 0, M],
  ]);
  assert.equal(bias.requiresGrad, false);
  // A window as wide as the sequence leaves only the padding.
  const wide = slidingWindowBias(IntTensor.from([1, 1, 0], [1, 3]), 8);
  assert.deepEqual(Array.from(wide.data), [0, 0, M, 0, 0, M, 0, 0, M]);
});

test('slidingWindowBias refuses bad masks and windows in one sentence', () => {
  const message = (m: string) => (e: unknown) => e instanceof UserError && e.message === m;
  assert.throws(
    () => slidingWindowBias(IntTensor.from([1, 3], [1, 2]), 1),
    message('slidingWindowBias expects an attention mask of zeros and ones, but found 3 in row 0.'),
  );
  assert.throws(
    () => slidingWindowBias(IntTensor.from([1, 1], [1, 2]), -1),
    message('slidingWindowBias expects a non-negative whole half-window, but got -1.'),
  );
  assert.throws(() => slidingWindowBias(IntTensor.from([1, 1], [2]), 1), UserError);
});

/** HF's eager attention spelled out: (q·kᵀ)/√d + bias[b, None], softmax, ·v. */
function composed(q: Tensor, k: Tensor, v: Tensor, heads: number, bias: Tensor): Tensor {
  const [b, t, hidden] = q.shape;
  const d = hidden / heads;
  const split = (x: Tensor) => permute(reshape(x, [b, t, heads, d]), [0, 2, 1, 3]);
  const scores = scale(matmul(split(q), split(k), { transB: true }), 1 / Math.sqrt(d));
  const probs = softmax(add(scores, reshape(bias, [b, 1, t, t])));
  return reshape(permute(matmul(probs, split(v)), [0, 2, 1, 3]), [b, t, hidden]);
}

const mask = IntTensor.from([1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0], [2, 6]);

test('attention with a per-query bias [B, Tq, Tk] equals the composed ops', () => {
  const [q, k, v] = [1, 2, 3].map((s) => randomTensor([2, 6, 8], s, false));
  const bias = slidingWindowBias(mask, 2);
  assertClose(
    scaledDotProductAttention(q, k, v, { numHeads: 2, bias }).data,
    composed(q, k, v, 2, bias).data,
    1e-6,
  );
  // A window wider than the sequence is the padding mask alone.
  assertClose(
    scaledDotProductAttention(q, k, v, { numHeads: 2, bias: slidingWindowBias(mask, 6) }).data,
    scaledDotProductAttention(q, k, v, { numHeads: 2, bias: attentionBias(mask) }).data,
    1e-6,
  );
});

test('a query with no real key in its window gets the uniform average, as transformers gives, not NaN', () => {
  // Row 1 is padded from position 3; with half-window 1, query 5 sees keys 4 and 5, both padding.
  const [q, k, v] = [4, 5, 6].map((s) => randomTensor([2, 6, 4], s, false));
  const y = scaledDotProductAttention(q, k, v, { numHeads: 1, bias: slidingWindowBias(mask, 1) });
  const mean = [0, 1, 2, 3].map((d) => {
    let s = 0;
    for (let t = 0; t < 6; t++) s += v.data[(6 + t) * 4 + d];
    return s / 6;
  });
  assertClose(y.data.subarray((6 + 5) * 4, (6 + 6) * 4), mean, 1e-6);
});

test('attention gradients with a per-query bias match finite differences, the bias trainable too', () => {
  const [q, k, v] = [7, 8, 9].map((s) => randomTensor([2, 6, 8], s));
  // Half-window 3 leaves every query a real key. A query with none has scores that no longer move
  // (finite differences see 0), while the softmax backward, torch's as ours, still passes a gradient.
  const band = slidingWindowBias(mask, 3);
  gradcheck(() => scaledDotProductAttention(q, k, v, { numHeads: 2, bias: band }), [q, k, v, band]);
  const trainable = randomTensor([2, 6, 6], 10);
  gradcheck(() => scaledDotProductAttention(q, k, v, { numHeads: 2, bias: trainable }), [q, k, v, trainable]);
});

test('attention refuses a per-query bias of the wrong shape in one sentence', () => {
  const x = Tensor.zeros([2, 3, 4]);
  assert.throws(
    () => scaledDotProductAttention(x, x, x, { numHeads: 2, bias: Tensor.zeros([2, 2, 3]) }),
    (e: unknown) =>
      e instanceof UserError &&
      e.message ===
        'scaledDotProductAttention expects a bias of shape [2, 3] or [2, 3, 3], but got [2, 2, 3].',
  );
});

test('per-query bias on the wasm backend matches the reference, forward and backward', async () => {
  const { createWasmKernels } = await import('../../src/kernels/wasm/index.js');
  const { backward } = await import('../../src/tensor/autograd.js');
  const { sum } = await import('../../src/tensor/ops/sum.js');
  const { mul } = await import('../../src/tensor/ops/mul.js');
  const fast = await createWasmKernels({ threads: 2, parallelMinNs: 0 });
  try {
    const [b, t, heads, hidden] = [3, 11, 4, 32];
    const m = new Int32Array(b * t).fill(1);
    m.fill(0, 2 * t + 7, 3 * t);
    const bias = slidingWindowBias(new IntTensor(m, [b, t]), 3);
    const weights = randomTensor([b, t, hidden], 20, false);
    const run = () => {
      const [q, k, v] = [21, 22, 23].map((s) => randomTensor([b, t, hidden], s));
      const y = scaledDotProductAttention(q, k, v, { numHeads: heads, bias });
      backward(sum(mul(y, weights)));
      return [y.data, q.grad!, k.grad!, v.grad!];
    };
    const want = run();
    const previous = useKernels(fast);
    let got;
    try {
      got = run();
    } finally {
      useKernels(previous);
    }
    ['y', 'dq', 'dk', 'dv'].forEach((what, i) => assertClose(got[i], want[i], 1e-5, what));
  } finally {
    fast.dispose();
  }
});
