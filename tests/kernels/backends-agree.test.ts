import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useKernels } from '../../src/kernels/active.js';
import { createKernels, nativeIsas, type Backend, type NativeIsa } from '../../src/kernels/index.js';
import { BertConfig } from '../../src/models/bert/config.js';
import { BertForSequenceClassification } from '../../src/models/bert/sequence-classification.js';
import { backward } from '../../src/tensor/autograd.js';
import { Rng } from '../../src/tensor/random.js';
import { IntTensor } from '../../src/tensor/tensor.js';

/**
 * A small BERT (2 layers, hidden 64, 4 heads, FF 256), dropout on, padded batch: large enough that
 * every kernel runs with real shapes (attention per head, GELU, layer norms, embedding gradients),
 * small enough for the reference kernels.
 */
function config(): BertConfig {
  return new BertConfig({
    vocabSize: 120,
    hiddenSize: 64,
    numHiddenLayers: 2,
    numAttentionHeads: 4,
    intermediateSize: 256,
    maxPositionEmbeddings: 64,
    typeVocabSize: 2,
    layerNormEps: 1e-12,
    hiddenDropoutProb: 0.1,
    attentionProbsDropoutProb: 0.1,
    hiddenAct: 'gelu',
    initializerRange: 0.02,
    classifierDropout: null,
    padTokenId: 0,
    labels: ['a', 'b', 'c'],
  });
}

interface Step {
  loss: number;
  grads: Map<string, Float32Array>;
}

/** One forward and backward pass on `backend`: the loss and every parameter's gradient. */
async function step(backend: Backend, isa?: NativeIsa): Promise<Step> {
  const kernels = await createKernels({ backend, threads: 2, ...(isa ? { isa } : {}) });
  const previous = useKernels(kernels);
  try {
    const model = new BertForSequenceClassification(config(), new Rng(5));
    const [b, t] = [4, 21];
    const data = new Rng(9);
    const ids = Int32Array.from({ length: b * t }, () => 1 + data.int(119));
    const mask = new Int32Array(b * t).fill(1);
    // Padding at the end of two rows.
    for (const [row, from] of [
      [1, 15],
      [3, 7],
    ]) {
      mask.fill(0, row * t + from, (row + 1) * t);
      ids.fill(0, row * t + from, (row + 1) * t);
    }
    const types = Int32Array.from({ length: b * t }, (_, i) => (i % t >= 10 ? 1 : 0));
    const logits = model.forward(
      new IntTensor(ids, [b, t]),
      new IntTensor(mask, [b, t]),
      new IntTensor(types, [b, t]),
    );
    const loss = model.loss(logits, IntTensor.from([0, 2, 1, 2], [b]));
    backward(loss);
    const grads = new Map<string, Float32Array>();
    for (const [name, p] of model.namedParameters()) {
      assert.ok(p.grad, `${name} got no gradient`);
      grads.set(name, Float32Array.from(p.grad));
    }
    return { loss: loss.data[0], grads };
  } finally {
    useKernels(previous);
    kernels.dispose();
  }
}

function norm(a: Float32Array): number {
  let s = 0;
  for (const v of a) s += v * v;
  return Math.sqrt(s);
}

/** ‖got − want‖ ≤ 1e-5·‖want‖ for every parameter but the attention key biases (float32 sums in another order differ by ~1e-7 each). */
function assertSameGradients(got: Step, want: Step, what: string): void {
  assert.ok(
    Math.abs(got.loss - want.loss) <= 1e-5 * Math.abs(want.loss),
    `${what}: loss ${got.loss} vs ${want.loss}`,
  );
  for (const [name, w] of want.grads) {
    const g = got.grads.get(name)!;
    if (/attention\.self\.key\.bias$/.test(name)) {
      // Softmax ignores a shift shared by a row's scores, so this exact gradient is zero: both sides
      // hold only float32 rounding noise, which must stay noise.
      assert.ok(norm(g) < 1e-9 && norm(w) < 1e-9, `${what}: ${name} is ${norm(g)}, not rounding noise`);
      continue;
    }
    const diff = norm(g.map((v, i) => v - w[i]));
    const scale = norm(w);
    assert.ok(diff <= 1e-5 * scale, `${what}: ${name} differs by ${diff / scale} of its norm ${scale}`);
  }
}

test('one training step gives the same loss and gradients on every backend (1e-5 of each gradient norm)', async () => {
  const reference = await step('reference');
  assert.ok(reference.grads.size > 30);
  assertSameGradients(await step('wasm'), reference, 'wasm');
  for (const isa of nativeIsas()) assertSameGradients(await step('native', isa), reference, `native ${isa}`);
});

function sameBits(a: Float32Array, b: Float32Array): boolean {
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

test('native AVX-512 and AVX2 give the same loss and gradients bit for bit (results reproduce across x86 machines)', async (t) => {
  const isas = nativeIsas();
  if (!isas.includes('avx512') || !isas.includes('avx2')) {
    t.diagnostic(`this CPU runs ${isas.join(', ')}: no two AVX builds to compare`);
    return;
  }
  const [avx512, avx2] = [await step('native', 'avx512'), await step('native', 'avx2')];
  assert.ok(
    sameBits(Float32Array.of(avx512.loss), Float32Array.of(avx2.loss)),
    `loss ${avx512.loss} vs ${avx2.loss}`,
  );
  for (const [name, g] of avx2.grads) assert.ok(sameBits(avx512.grads.get(name)!, g), name);
});
