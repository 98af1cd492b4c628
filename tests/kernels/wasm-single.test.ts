import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useKernels } from '../../src/kernels/active.js';
import type { GemmSpec, Kernels } from '../../src/kernels/kernels.js';
import { createReferenceKernels } from '../../src/kernels/reference/index.js';
import { allocWasmF32, createWasmKernels } from '../../src/kernels/wasm/index.js';
import { enableRelaxedSimd } from '../../src/kernels/wasm/relaxed-simd.js';
import { BertConfig } from '../../src/models/bert/config.js';
import { BertForSequenceClassification } from '../../src/models/bert/sequence-classification.js';
import { AdamW } from '../../src/optim/adamw.js';
import { backward } from '../../src/tensor/autograd.js';
import { Rng } from '../../src/tensor/random.js';
import { IntTensor } from '../../src/tensor/tensor.js';
import { randomArray } from './helpers.js';

// build/kernels-single.wasm: the same kernels built without threads, over an ordinary memory, for a
// browser page without SharedArrayBuffer. On one thread it must compute exactly what the threads
// module computes on one thread; so must their relaxed-SIMD builds (fused multiply-add) between them.

function tinyBert(): BertConfig {
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

/** Three AdamW steps of a small BERT (dropout on): each step's loss and the parameters at the end. */
function train(kernels: Kernels): { losses: number[]; params: Map<string, Float32Array> } {
  const previous = useKernels(kernels);
  try {
    const model = new BertForSequenceClassification(tinyBert(), new Rng(5));
    model.train();
    const optimizer = new AdamW(model.namedParameters(), { lr: 1e-3 });
    const data = new Rng(9);
    const [b, t] = [4, 21];
    const losses: number[] = [];
    for (let s = 0; s < 3; s++) {
      const ids = Int32Array.from({ length: b * t }, () => 1 + data.int(119));
      const mask = new Int32Array(b * t).fill(1);
      mask.fill(0, t + 15, 2 * t);
      const types = new Int32Array(b * t);
      const logits = model.forward(
        new IntTensor(ids, [b, t]),
        new IntTensor(mask, [b, t]),
        new IntTensor(types, [b, t]),
      );
      const loss = model.loss(logits, IntTensor.from([0, 2, 1, s % 3], [b]));
      backward(loss);
      optimizer.step();
      optimizer.zeroGrad();
      losses.push(loss.data[0]);
    }
    const params = new Map<string, Float32Array>();
    for (const [name, p] of model.namedParameters()) params.set(name, Float32Array.from(p.data));
    return { losses, params };
  } finally {
    useKernels(previous);
  }
}

for (const fma of [false, true])
  test(`the single-thread module${fma ? ' (relaxed build)' : ''} trains bit for bit as the threads module on one thread, and close to the reference`, async () => {
    assert.ok(!fma || enableRelaxedSimd(), 'relaxed SIMD is there (V8 flag on Node 20)');
    const single = await createWasmKernels({ threads: 1, module: 'single', fma });
    const threads = await createWasmKernels({ threads: 1, fma });
    try {
      assert.equal(single.inPlace, false, 'an unshared memory lends no arrays');
      assert.equal(threads.inPlace, true);
      assert.equal(single.fma, fma);
      assert.equal(threads.fma, fma);
      const got = train(single);
      const want = train(threads);
      assert.deepEqual(got.losses, want.losses);
      assert.ok(got.params.size > 30);
      for (const [name, w] of want.params) assert.deepEqual(got.params.get(name), w, name);
      const reference = train(createReferenceKernels());
      for (let s = 0; s < 3; s++) {
        assert.ok(
          Math.abs(got.losses[s]! - reference.losses[s]!) <= 1e-5 * reference.losses[s]!,
          `step ${s}: ${got.losses[s]} vs reference ${reference.losses[s]}`,
        );
      }
    } finally {
      single.dispose();
      threads.dispose();
    }
  });

test('the single-thread module keeps working after its memory grows (which replaces its buffer)', async () => {
  const k = await createWasmKernels({ threads: 1, module: 'single' });
  try {
    // Ordinary arrays: a view on the unshared memory would be detached by the next grow.
    const a = allocWasmF32(k, 16);
    assert.ok(!(a.buffer instanceof SharedArrayBuffer) && a.byteOffset === 0);
    const rng = new Rng(3);
    const spec = (m: number, n: number, kk: number, c: Float32Array): GemmSpec => ({
      batch: 1,
      m,
      n,
      k: kk,
      transA: false,
      transB: true,
      a: randomArray(new Rng(m), m * kk),
      aOffset: 0,
      aStride: 0,
      b: randomArray(new Rng(n), n * kk),
      bOffset: 0,
      bStride: 0,
      c,
      cOffset: 0,
      cStride: 0,
      alpha: 1,
      beta: 0,
    });
    const ref = createReferenceKernels();
    // A small call, one that stages ~5 MB (the memory starts at 4 MiB), then small ones again: the
    // job block and the staging views must follow the new buffer.
    const memory = (k as unknown as { heap: { memory: { buffer: ArrayBuffer } } }).heap.memory;
    const before = memory.buffer;
    for (const [m, n, kk] of [
      [8, 8, 8],
      [600, 8, 2000],
      [9, 7, 5],
    ]) {
      const got = new Float32Array(m * n);
      const want = new Float32Array(m * n);
      k.gemm(spec(m, n, kk, got));
      ref.gemm(spec(m, n, kk, want));
      for (let i = 0; i < want.length; i++) {
        assert.ok(Math.abs(got[i]! - want[i]!) <= 1e-4 * (1 + Math.abs(want[i]!)), `${m}×${n}×${kk}[${i}]`);
      }
    }
    assert.ok(memory.buffer.byteLength > before.byteLength, 'the memory grew');
    assert.equal(before.byteLength, 0, 'and its old buffer was detached');
    const x = randomArray(rng, 1000);
    const y = new Float32Array(1000);
    k.gelu(x, y, 1000);
    const yRef = new Float32Array(1000);
    ref.gelu(x, yRef, 1000);
    for (let i = 0; i < 1000; i++) assert.ok(Math.abs(y[i]! - yRef[i]!) <= 1e-6, `gelu[${i}]`);
  } finally {
    k.dispose();
  }
});

test('the single-thread module refuses more than one thread', async () => {
  await assert.rejects(createWasmKernels({ threads: 2, module: 'single' }), /one thread, not 2/);
});
