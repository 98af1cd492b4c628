import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useKernels } from '../../src/kernels/active.js';
import type { Kernels } from '../../src/kernels/kernels.js';
import { KernelMemoryExhausted } from '../../src/kernels/memory-exhausted.js';
import { createReferenceKernels } from '../../src/kernels/reference/index.js';
import { createWasmKernels } from '../../src/kernels/wasm/index.js';
import type { BertForSequenceClassification } from '../../src/models/bert/sequence-classification.js';
import { countParameters } from '../../src/nn/module.js';
import { AdamW } from '../../src/optim/adamw.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { trainClassifier } from '../../src/train/trainer.js';
import { collateToy, toyExamples, TOY_LABELS } from './tiny.js';
import { toyClassifier } from './wide.js';

/** A classifier whose word embeddings ([vocab, 32]) are nearly all of its parameters, and short inputs. */
function wordHeavyModel(vocabSize: number): ReturnType<typeof toyClassifier> {
  const shape = { vocabSize, hiddenSize: 32, numHiddenLayers: 1, numAttentionHeads: 2, intermediateSize: 32 };
  return toyClassifier({ ...shape, maxPositionEmbeddings: 16 }, 5);
}

function weightsOf(model: BertForSequenceClassification): Map<string, Float32Array> {
  return new Map([...model.namedParameters()].map(([name, p]) => [name, p.data.slice()]));
}

function train(built: ReturnType<typeof wordHeavyModel>, maxSteps: number) {
  return trainClassifier({
    ...built,
    seed: 5,
    labels: TOY_LABELS,
    train: toyExamples(20, 1),
    val: null,
    test: toyExamples(6, 3),
    collate: collateToy,
    epochs: 1,
    maxSteps,
    batchSize: 10,
    lr: 1e-2,
    run: { method: 'full', name: 'optimizer memory' },
  });
}

test("when AdamW's state cannot fit in the kernels' memory, the run stops with one sentence naming its bytes, no weight changed", async () => {
  // 30000 × 32 word embeddings: 7.7 MB of moments, more than a 6 MiB memory, which holds a step's
  // forward and backward (the table's working copy, 3.8 MB, is the largest part).
  const wasm = await createWasmKernels({ threads: 2, memoryLimitBytes: 6 * 2 ** 20 });
  const previous = useKernels(wasm);
  try {
    const built = wordHeavyModel(30000);
    const before = weightsOf(built.model);
    const count = countParameters(built.model, true);
    assert.throws(
      () => train(built, 1),
      new RegExp(
        `^UserError: AdamW's state for the ${count} trainable parameters needs ${8 * count} bytes \\(two floats each\\) in the kernels' memory, which its 6\\.0 MiB limit cannot hold beside the step's working copies; train with LoRA, choose a smaller model, or in Node use the native backend \\(--backend native\\), which has no such limit\\.$`,
      ),
    );
    // The moments are placed before any update: the failed step changed nothing.
    assert.deepEqual(weightsOf(built.model), before);
  } finally {
    useKernels(previous);
    wasm.dispose();
  }
});

test("on the wasm kernels, an update whose working copies do not fit beside AdamW's state runs in halves, to the unlimited step's weights bit for bit", async () => {
  // 14000 × 32 word embeddings: 3.6 MB of moments fit in 6 MiB, but not beside the update's working
  // copies of their weights and gradient (3.6 MB more); two halves do.
  const step = async (limitMiB: number | null) => {
    const wasm = await createWasmKernels({
      threads: 2,
      ...(limitMiB !== null ? { memoryLimitBytes: limitMiB * 2 ** 20 } : {}),
    });
    const previous = useKernels(wasm);
    const update = wasm.adamw;
    const sizes: number[] = [];
    wasm.adamw = (spec) => {
      sizes.push(spec.n);
      update(spec);
    };
    try {
      const built = wordHeavyModel(14000);
      train(built, 1);
      return { weights: weightsOf(built.model), sizes: sizes.filter((n) => n >= 100000) };
    } finally {
      useKernels(previous);
      wasm.dispose();
    }
  };
  const whole = await step(null);
  const limited = await step(6);
  assert.deepEqual(whole.sizes, [448000]);
  assert.deepEqual(limited.sizes, [448000, 224000, 224000]);
  assert.deepEqual(limited.weights, whole.weights);
});

/** The reference kernels, except that an AdamW update of more than `maxValues` values runs out of memory; the sizes asked for. */
function updatesLimitedTo(maxValues: number): { kernels: Kernels; sizes: number[] } {
  const base = createReferenceKernels();
  const sizes: number[] = [];
  const kernels: Kernels = {
    ...base,
    adamw: (spec) => {
      sizes.push(spec.n);
      if (spec.n > maxValues) throw new KernelMemoryExhausted(8 * spec.n, 4 * maxValues);
      base.adamw(spec);
    },
  };
  return { kernels, sizes };
}

test('an AdamW update whose working copies do not fit runs in halves, to the same weights bit for bit', () => {
  const run = (maxValues: number) => {
    const limited = updatesLimitedTo(maxValues);
    const previous = useKernels(limited.kernels);
    try {
      const built = wordHeavyModel(400);
      train(built, 2);
      return { weights: weightsOf(built.model), sizes: limited.sizes };
    } finally {
      useKernels(previous);
    }
  };
  const whole = run(Infinity);
  // The word embeddings, 400 × 32 = 12800 values: whole, then 6400 + 6400, at each of the 2 steps.
  const halved = run(8000);
  assert.equal(whole.sizes.filter((n) => n === 12800).length, 2);
  assert.equal(halved.sizes.filter((n) => n === 12800).length, 2);
  assert.equal(halved.sizes.filter((n) => n === 6400).length, 4);
  assert.deepEqual(halved.weights, whole.weights);
});

test('AdamW places every new moment before it updates anything: a failure leaves it and the parameters as they were', () => {
  const base = createReferenceKernels();
  let allocations = 0;
  const failing: Kernels = {
    ...base,
    allocState: (n) => {
      if (++allocations === 3) throw new KernelMemoryExhausted(2 ** 33, 2 ** 32);
      return base.allocState(n);
    },
  };
  const params = () => {
    const a = new Tensor(Float32Array.of(1, -2, 3), [3], true);
    const b = new Tensor(Float32Array.of(0.5, 0.25), [2], true);
    a.grad = Float32Array.of(0.1, 0.2, -0.3);
    b.grad = Float32Array.of(-1, 1);
    return [a, b];
  };
  const [a, b] = params();
  const optimizer = new AdamW(
    [
      ['a', a],
      ['b', b],
    ],
    { lr: 0.1 },
  );
  const previous = useKernels(failing);
  try {
    // a's two moments fit, b's first does not.
    assert.throws(() => optimizer.step(), KernelMemoryExhausted);
  } finally {
    useKernels(previous);
  }
  assert.deepEqual([...a.data], [1, -2, 3]);
  assert.deepEqual([...b.data], [0.5, 0.25]);
  assert.equal(optimizer.stepCount, 0);
  assert.equal(optimizer.stateDict().params.size, 0);
  // The next step is a first step, as a fresh optimizer's.
  optimizer.step();
  const [c, d] = params();
  new AdamW(
    [
      ['a', c],
      ['b', d],
    ],
    { lr: 0.1 },
  ).step();
  assert.deepEqual([a.data, b.data], [c.data, d.data]);
  assert.equal(optimizer.stateDict().params.get('b')!.step, 1);
});
