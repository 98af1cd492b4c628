import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useKernels } from '../../src/kernels/active.js';
import { createReferenceKernels } from '../../src/kernels/reference/index.js';
import { UserError } from '../../src/errors.js';
import { IntTensor, Tensor } from '../../src/tensor/tensor.js';
import { Rng } from '../../src/tensor/random.js';
import { attentionBias } from '../../src/tensor/ops/attention-bias.js';
import { scaledDotProductAttention } from '../../src/tensor/ops/scaled-dot-product-attention.js';
import { reshape } from '../../src/tensor/ops/reshape.js';
import { permute } from '../../src/tensor/ops/permute.js';
import { matmul } from '../../src/tensor/ops/matmul.js';
import { scale } from '../../src/tensor/ops/scale.js';
import { maskedSoftmax } from '../../src/tensor/ops/masked-softmax.js';
import { dropout } from '../../src/tensor/ops/dropout.js';
import { assertClose, gradcheck, randomTensor } from '../helpers/gradcheck.js';

useKernels(createReferenceKernels());

const B = 2;
const T = 3;
const H = 2;
const D = 2;
const mask = IntTensor.from([1, 1, 1, 1, 1, 0], [B, T]);

/** The same attention spelled out with separate ops, as HF writes it. */
function composed(q: Tensor, k: Tensor, v: Tensor, heads: number, bias: Tensor, p = 0, seed = 0): Tensor {
  const [b, tq, hidden] = q.shape;
  const tk = k.shape[1];
  const d = hidden / heads;
  const split = (x: Tensor, t: number) => permute(reshape(x, [b, t, heads, d]), [0, 2, 1, 3]);
  const scores = scale(matmul(split(q, tq), split(k, tk), { transB: true }), 1 / Math.sqrt(d));
  let probs = maskedSoftmax(scores, bias);
  if (p > 0) probs = dropout(probs, p, new Rng(seed), true);
  const ctx = matmul(probs, split(v, tk));
  return reshape(permute(ctx, [0, 2, 1, 3]), [b, tq, hidden]);
}

test('attention matches a hand computation for one head and one query', () => {
  // q·k = [1, 0] with d = 1 → weights softmax([1, 0]) = [e/(e+1), 1/(e+1)].
  const q = Tensor.from([1], [1, 1, 1]);
  const k = Tensor.from([1, 0], [1, 2, 1]);
  const v = Tensor.from([10, 20], [1, 2, 1]);
  const y = scaledDotProductAttention(q, k, v, { numHeads: 1 });
  const w = Math.E / (Math.E + 1);
  assertClose(y.data, [10 * w + 20 * (1 - w)], 1e-5);
});

test('attention equals the composed ops, with a mask and 2 heads', () => {
  const q = randomTensor([B, T, H * D], 1, false);
  const k = randomTensor([B, T, H * D], 2, false);
  const v = randomTensor([B, T, H * D], 3, false);
  const bias = attentionBias(mask);
  const fused = scaledDotProductAttention(q, k, v, { numHeads: H, bias });
  assertClose(fused.data, composed(q, k, v, H, bias).data, 1e-6);
  // The padded key of row 2 carries no weight: changing its value changes nothing.
  const v2 = new Tensor(Float32Array.from(v.data), v.shape);
  v2.data.fill(100, (1 * T + 2) * H * D, (1 * T + 3) * H * D);
  const moved = scaledDotProductAttention(q, k, v2, { numHeads: H, bias });
  assertClose(moved.data, fused.data, 1e-6);
});

test('attention gradients for q, k and v match finite differences (mask, 2 heads)', () => {
  const q = randomTensor([B, T, H * D], 4);
  const k = randomTensor([B, T, H * D], 5);
  const v = randomTensor([B, T, H * D], 6);
  const bias = attentionBias(mask);
  gradcheck(() => scaledDotProductAttention(q, k, v, { numHeads: H, bias }), [q, k, v, bias]);
});

test('attention with dropout in training matches composed dropout and its gradients', () => {
  const q = randomTensor([B, T, H * D], 7);
  const k = randomTensor([B, T, H * D], 8);
  const v = randomTensor([B, T, H * D], 9);
  const bias = attentionBias(mask);
  const opts = (seed: number) => ({ numHeads: H, bias, dropoutP: 0.3, rng: new Rng(seed), training: true });
  const fused = scaledDotProductAttention(q, k, v, opts(5));
  assertClose(fused.data, composed(q, k, v, H, bias, 0.3, 5).data, 1e-6);
  gradcheck(() => scaledDotProductAttention(q, k, v, opts(5)), [q, k, v]);
  // Eval ignores dropout.
  const evalOut = scaledDotProductAttention(q, k, v, { ...opts(5), training: false });
  assertClose(evalOut.data, composed(q, k, v, H, bias).data, 1e-6);
});

test('attention with different query and key lengths, no bias', () => {
  const q = randomTensor([2, 2, 6], 10);
  const k = randomTensor([2, 4, 6], 11);
  const v = randomTensor([2, 4, 6], 12);
  gradcheck(() => scaledDotProductAttention(q, k, v, { numHeads: 3 }), [q, k, v]);
});

test('attention computes only the gradients that are needed', () => {
  const bias = attentionBias(mask);
  for (const frozen of [[0], [1], [2], [0, 1], [0, 2], [1, 2]]) {
    const ts = [
      randomTensor([B, T, H * D], 13),
      randomTensor([B, T, H * D], 14),
      randomTensor([B, T, H * D], 15),
    ];
    for (const i of frozen) ts[i].requiresGrad = false;
    gradcheck(() => scaledDotProductAttention(ts[0], ts[1], ts[2], { numHeads: H, bias }), ts);
  }
});

test('attention with a trainable bias passes it a gradient', () => {
  const q = randomTensor([B, T, H * D], 16);
  const k = randomTensor([B, T, H * D], 17);
  const v = randomTensor([B, T, H * D], 18, false);
  const bias = randomTensor([B, T], 19);
  gradcheck(() => scaledDotProductAttention(q, k, v, { numHeads: H, bias }), [q, k, v, bias]);
});

test('attention rejects bad shapes, head counts and a missing rng', () => {
  const x = Tensor.zeros([2, 3, 4]);
  assert.throws(() => scaledDotProductAttention(x, x, x, { numHeads: 3 }), UserError);
  assert.throws(() => scaledDotProductAttention(x, Tensor.zeros([2, 3, 6]), x, { numHeads: 2 }), UserError);
  assert.throws(
    () => scaledDotProductAttention(x, x, x, { numHeads: 2, bias: Tensor.zeros([2, 4]) }),
    UserError,
  );
  assert.throws(
    () => scaledDotProductAttention(x, x, x, { numHeads: 2, dropoutP: 0.1, training: true }),
    /rng/,
  );
});

test('attention on the wasm backend (heads read in place) matches the reference, gradients accumulated', async () => {
  const { createWasmKernels } = await import('../../src/kernels/wasm/index.js');
  const { backward } = await import('../../src/tensor/autograd.js');
  const { sum } = await import('../../src/tensor/ops/sum.js');
  const { mul } = await import('../../src/tensor/ops/mul.js');
  for (const threads of [1, 2]) {
    const fast = await createWasmKernels({ threads, parallelMinNs: 0 });
    try {
      // 3 batches, 4 heads of 5, 7 queries against 9 keys; x serves as both k and v (one tensor twice).
      const [b, tq, tk, heads] = [3, 7, 9, 4];
      const hidden = heads * 5;
      const m = new Int32Array(b * tk).fill(1);
      m.fill(0, tk - 2, tk);
      const bias = attentionBias(new IntTensor(m, [b, tk]));
      const weights = randomTensor([b, tq, hidden], 30, false);
      const run = (p: number, preset: boolean) => {
        const q = randomTensor([b, tq, hidden], 31);
        const x = randomTensor([b, tk, hidden], 32);
        // On the fast backend, a gradient already there must be added to, not overwritten.
        if (preset) x.grad = Float32Array.from({ length: x.size }, (_, i) => (i % 7) * 0.25);
        const y = scaledDotProductAttention(q, x, x, {
          numHeads: heads,
          bias,
          dropoutP: p,
          rng: new Rng(5),
          training: true,
        });
        backward(sum(mul(y, weights)));
        return { y: y.data, dq: q.grad!, dx: x.grad! };
      };
      for (const p of [0, 0.25]) {
        const want = run(p, false);
        want.dx.forEach((g, i) => (want.dx[i] = g + (i % 7) * 0.25));
        const previous = useKernels(fast);
        let got;
        try {
          got = run(p, true);
        } finally {
          useKernels(previous);
        }
        assertClose(got.y, want.y, 1e-5, `y (p ${p}, ${threads} threads)`);
        assertClose(got.dq, want.dq, 1e-5, `dq (p ${p}, ${threads} threads)`);
        assertClose(got.dx, want.dx, 1e-5, `dx (p ${p}, ${threads} threads)`);
      }
    } finally {
      fast.dispose();
    }
  }
});
