import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor } from '../../src/tensor/tensor.js';
import { AdamW, hfNoDecay } from '../../src/optim/adamw.js';

function close(actual: ArrayLike<number>, expected: readonly number[], tol = 1e-6): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol, `index ${i}: ${actual[i]} vs ${expected[i]}`);
  }
}

const GRADS = [
  [0.1, -0.2, 0.3],
  [-0.5, 0.4, 0.0],
  [0.2, 0.2, -0.1],
];

test('AdamW matches three torch.optim.AdamW steps written out by hand', () => {
  // torch.optim.AdamW([p], lr=0.1, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01), per step t:
  //   p ← p·(1 − lr·wd);  m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²
  //   p ← p − lr · (m / (1−β1ᵗ)) / (√(v / (1−β2ᵗ)) + eps)
  // Step 1 (m̂ = g, v̂ = g²): p = p·0.999 − 0.1·sign(g)·|g|/(|g|+1e-8)
  //   [1·0.999 − 0.1, −2·0.999 + 0.1, 0.5·0.999 − 0.1] = [0.899, −1.898, 0.3995] (+ the eps term)
  // Steps 2 and 3 carried on the same formula in double precision:
  const expected = [
    [0.899000009999999, -1.8980000049999997, 0.39950000333333324],
    [0.9579364265423341, -1.9327123565410367, 0.3320946810758212],
    [0.9766979824377369, -1.982703723970121, 0.3028490516648649],
  ];
  const p = Tensor.from([1.0, -2.0, 0.5], [3], true);
  const opt = new AdamW([['w', p]], { lr: 0.1, weightDecay: 0.01 });
  for (let t = 0; t < 3; t++) {
    p.grad = Float32Array.from(GRADS[t]);
    opt.step();
    opt.zeroGrad();
    close(p.data, expected[t]);
    assert.equal(p.grad, null);
  }
  assert.equal(opt.stepCount, 3);
  // Step 2 by the formula, independently: m = 0.9·0.1·g1 + 0.1·g2, v = 0.999·0.001·g1² + 0.001·g2².
  const p1 = 0.899000009999999;
  const m = 0.9 * 0.1 * 0.1 + 0.1 * -0.5;
  const v = 0.999 * 0.001 * 0.01 + 0.001 * 0.25;
  const p2 = p1 * 0.999 - (0.1 * (m / (1 - 0.81))) / (Math.sqrt(v / (1 - 0.999 ** 2)) + 1e-8);
  assert.ok(Math.abs(p2 - expected[1][0]) < 1e-12);
});

test('AdamW skips parameters without a gradient and those that are frozen', () => {
  const a = Tensor.from([1, 2], [2], true);
  const b = Tensor.from([3, 4], [2], true);
  const frozen = Tensor.from([5], [1], false);
  const opt = new AdamW(
    [
      ['a', a],
      ['b', b],
      ['frozen', frozen],
    ],
    { lr: 0.1 },
  );
  assert.deepEqual(opt.parameterNames, ['a', 'b']);
  a.grad = Float32Array.from([1, 1]);
  frozen.grad = Float32Array.from([1]);
  opt.step();
  assert.deepEqual(Array.from(b.data), [3, 4]);
  assert.deepEqual(Array.from(frozen.data), [5]);
  const state = opt.stateDict();
  assert.equal(state.step, 1);
  assert.equal(state.params.get('a')!.step, 1);
  assert.equal(state.params.has('b'), false);
  // b's first update, taken at optimizer step 2, is bias-corrected as its own step 1 (torch keeps per-parameter counts).
  opt.zeroGrad();
  b.grad = Float32Array.from([0.5, -0.5]);
  opt.step();
  close(b.data, [3 * (1 - 0.001) - 0.1, 4 * (1 - 0.001) + 0.1], 1e-6);
  assert.equal(opt.stateDict().params.get('b')!.step, 1);
});

test('AdamW state round-trips: a restored optimizer continues exactly', () => {
  const run = (restoreAfter: number | null): Float32Array => {
    let p = Tensor.from([1.0, -2.0, 0.5], [3], true);
    let opt = new AdamW([['w', p]], { lr: 0.05, weightDecay: 0.1 });
    for (let t = 0; t < 3; t++) {
      if (t === restoreAfter) {
        const saved = opt.stateDict();
        const data = p.data.slice();
        p = new Tensor(data, [3], true);
        opt = new AdamW([['w', p]], { lr: 0.05, weightDecay: 0.1 });
        opt.loadStateDict(saved);
      }
      p.grad = Float32Array.from(GRADS[t]);
      opt.step();
      opt.zeroGrad();
    }
    return p.data;
  };
  assert.deepEqual(Array.from(run(2)), Array.from(run(null)));
  assert.deepEqual(Array.from(run(1)), Array.from(run(null)));
});

test('AdamW rejects an optimizer state for an unknown parameter', () => {
  const p = Tensor.from([1], [1], true);
  const opt = new AdamW([['w', p]], { lr: 0.1 });
  assert.throws(
    () =>
      opt.loadStateDict({
        step: 1,
        params: new Map([['x', { step: 1, m: new Float32Array(1), v: new Float32Array(1) }]]),
      }),
    /not a trainable parameter/,
  );
});

test('hfNoDecay exempts biases and LayerNorm weights, and AdamW then skips their decay', () => {
  assert.equal(hfNoDecay('bert.encoder.layer.0.attention.output.LayerNorm.weight'), true);
  assert.equal(hfNoDecay('classifier.bias'), true);
  assert.equal(hfNoDecay('classifier.weight'), false);
  const w = Tensor.from([2], [1], true);
  const bias = Tensor.from([2], [1], true);
  const opt = new AdamW(
    [
      ['classifier.weight', w],
      ['classifier.bias', bias],
    ],
    { lr: 0.1, weightDecay: 0.5, noDecay: hfNoDecay },
  );
  w.grad = Float32Array.from([0]);
  bias.grad = Float32Array.from([0]);
  opt.step();
  close(w.data, [2 * (1 - 0.05)]);
  close(bias.data, [2]);
});

test('AdamW on the wasm backend (moments kept in wasm memory) gives the bits of the staged kernel, and resumes', async () => {
  const { createWasmKernels } = await import('../../src/kernels/wasm/index.js');
  const { useKernels } = await import('../../src/kernels/active.js');
  const fast = await createWasmKernels({ threads: 2, parallelMinNs: 0 });
  const previous = useKernels(fast);
  try {
    const n = 1037;
    const init = Float32Array.from({ length: n }, (_, i) => Math.sin(i));
    const gradAt = (t: number) => Float32Array.from({ length: n }, (_, i) => Math.cos(i * (t + 1)) * 0.1);
    const hyper = { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 };
    // The kernel on ordinary arrays (each call staged in and out), step by step.
    const param = Float32Array.from(init);
    const m = new Float32Array(n);
    const v = new Float32Array(n);
    const p = new Tensor(Float32Array.from(init), [n], true);
    const opt = new AdamW([['w', p]], { lr: hyper.lr, weightDecay: hyper.weightDecay });
    for (let t = 0; t < 3; t++) {
      const grad = gradAt(t);
      fast.adamw({ ...hyper, n, param, grad, m, v, step: t + 1 });
      p.grad = Float32Array.from(grad);
      opt.step();
      opt.zeroGrad();
      assert.deepEqual(p.data, param, `step ${t + 1}`);
    }
    const saved = opt.stateDict();
    assert.deepEqual(saved.params.get('w')!.m, m);
    assert.deepEqual(saved.params.get('w')!.v, v);
    assert.ok(!(saved.params.get('w')!.m.buffer instanceof SharedArrayBuffer), 'stateDict copies out');
    // A resumed optimizer carries on with the same bits.
    const p2 = new Tensor(Float32Array.from(p.data), [n], true);
    const opt2 = new AdamW([['w', p2]], { lr: hyper.lr, weightDecay: hyper.weightDecay });
    opt2.loadStateDict(saved);
    const grad = gradAt(3);
    fast.adamw({ ...hyper, n, param, grad, m, v, step: 4 });
    p2.grad = Float32Array.from(grad);
    opt2.step();
    assert.deepEqual(p2.data, param);
  } finally {
    useKernels(previous);
    fast.dispose();
  }
});
