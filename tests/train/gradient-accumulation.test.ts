import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useKernels } from '../../src/kernels/active.js';
import type { Kernels } from '../../src/kernels/kernels.js';
import { createReferenceKernels } from '../../src/kernels/reference/index.js';
import { createWasmKernels } from '../../src/kernels/wasm/index.js';
import { applyLora, createLoraConfig } from '../../src/lora/index.js';
import { Tensor } from '../../src/tensor/tensor.js';
import type { TrainBatch } from '../../src/train/evaluate.js';
import { microBatchRanges } from '../../src/train/micro-batches.js';
import { trainClassifier, type TrainOptions, type TrainProgress } from '../../src/train/trainer.js';
import { collateToy, tinyModel, toyExamples, TOY_LABELS, type ToyExample } from './tiny.js';
import { worstRelative } from './weight-difference.js';

// 30 examples of 3 to 7 tokens: a batch of 10 splits into micro-batches of 3, 3, 2, 2 rows (N = 4)
// padded to different lengths, the case where a plain mean of micro-batch means would be wrong.
const TRAIN = toyExamples(30, 1);
const TEST = toyExamples(9, 3);
const BATCH = 10;
const STEPS = 3;

/** Multi-label targets: each example's own class, and the next one as well for an even token count. */
function collateMultiLabel(examples: readonly ToyExample[]): TrainBatch {
  const batch = collateToy(examples);
  const c = TOY_LABELS.length;
  const targets = new Float32Array(examples.length * c);
  examples.forEach((e, i) => {
    targets[i * c + e.label] = 1;
    if (e.ids.length % 2 === 0) targets[i * c + ((e.label + 1) % c)] = 1;
  });
  return { ...batch, targets: new Tensor(targets, [examples.length, c]) };
}

/** Every third training example (ids of a multiple-of-3 sum) is left out of the loss, as label −100. */
function collateWithIgnored(examples: readonly ToyExample[]): TrainBatch {
  const batch = collateToy(examples);
  examples.forEach((e, i) => {
    if (TRAIN.includes(e) && e.ids.reduce((a, b) => a + b, 0) % 3 === 0) batch.labels.data[i] = -100;
  });
  return batch;
}

const LOSSES = {
  'single-label': collateToy,
  'multi-label': collateMultiLabel,
  'single-label with ignored rows': collateWithIgnored,
} as const;

interface Run {
  weights: Map<string, Float32Array>;
  progress: TrainProgress[];
  config: Record<string, unknown>;
}

function train(
  method: 'full' | 'lora',
  loss: keyof typeof LOSSES,
  overrides: Partial<TrainOptions<ToyExample>> = {},
  dropout = 0,
): Run {
  const { model, rng } = tinyModel(5, dropout, 0.2);
  if (method === 'lora') {
    applyLora(
      model,
      createLoraConfig({ task_type: 'SEQ_CLS', r: 4, lora_alpha: 8, lora_dropout: dropout }),
      rng,
    );
  }
  const progress: TrainProgress[] = [];
  const results = trainClassifier({
    model,
    rng,
    seed: 5,
    labels: TOY_LABELS,
    train: TRAIN,
    val: null,
    test: TEST,
    collate: LOSSES[loss],
    epochs: 1,
    maxSteps: STEPS,
    batchSize: BATCH,
    lr: 1e-2,
    maxGradNorm: 1,
    run: { method, name: 'accumulation test' },
    onProgress: (p) => progress.push(p),
    ...overrides,
  });
  const weights = new Map([...model.namedParameters()].map(([name, p]) => [name, p.data.slice()]));
  return { weights, progress, config: results.config };
}

function relative(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(a), 1e-12);
}

/** N = 2 and 4 give N = 1's weights, losses and gradient norms after 3 steps. */
function checkEquivalence(method: 'full' | 'lora', loss: keyof typeof LOSSES): void {
  const whole = train(method, loss);
  assert.equal(whole.progress.length, STEPS);
  // The steps change the weights: a trainer that did nothing would pass the comparison trivially.
  const before = train(method, loss, { maxSteps: 1, lr: 1e-12 });
  assert.ok(worstRelative(whole.weights, before.weights) > 1e-2);
  for (const n of [2, 4]) {
    const split = train(method, loss, { gradientAccumulationSteps: n });
    const w = worstRelative(whole.weights, split.weights);
    assert.ok(w <= 1e-5, `${method}, ${loss}, N ${n}: weights differ by ${w} relative`);
    for (let s = 0; s < STEPS; s++) {
      const [a, b] = [whole.progress[s], split.progress[s]];
      assert.ok(relative(a.loss, b.loss) <= 1e-5, `N ${n} step ${s + 1}: loss ${a.loss} vs ${b.loss}`);
      assert.ok(
        relative(a.gradNorm, b.gradNorm) <= 1e-5,
        `N ${n} step ${s + 1}: gradient norm ${a.gradNorm} vs ${b.gradNorm}`,
      );
    }
    assert.equal(split.config.gradient_accumulation_steps, n);
  }
  assert.equal('gradient_accumulation_steps' in whole.config, false);
}

const backends: [string, () => Promise<Kernels>][] = [
  ['reference', () => Promise.resolve(createReferenceKernels())],
  ['wasm', () => createWasmKernels({ threads: 2, parallelMinNs: 0 })],
];

for (const [backendName, create] of backends) {
  describe(`gradient accumulation on the ${backendName} backend`, () => {
    let backend: Kernels;
    let previous: Kernels;
    before(async () => {
      backend = await create();
      previous = useKernels(backend);
    });
    after(() => {
      useKernels(previous);
      backend.dispose?.();
    });

    for (const method of ['full', 'lora'] as const) {
      for (const loss of Object.keys(LOSSES) as (keyof typeof LOSSES)[]) {
        test(`${method}, ${loss}: 3 steps with N = 1, 2, 4 give the same weights within 1e-5`, () =>
          checkEquivalence(method, loss));
      }
    }
  });
}

test('micro-batches: sizes differ by at most one, never empty, covering the batch in order', () => {
  assert.deepEqual(microBatchRanges(10, 4), [
    [0, 3],
    [3, 6],
    [6, 8],
    [8, 10],
  ]);
  assert.deepEqual(microBatchRanges(8, 2), [
    [0, 4],
    [4, 8],
  ]);
  assert.deepEqual(microBatchRanges(3, 4), [
    [0, 1],
    [1, 2],
    [2, 3],
  ]);
  assert.deepEqual(microBatchRanges(5, 1), [[0, 5]]);
});

test('more accumulation steps than examples per batch are refused in one sentence', () => {
  assert.throws(
    () => train('full', 'single-label', { gradientAccumulationSteps: 11 }),
    /^UserError: The gradient accumulation steps \(11\) cannot exceed the batch size \(10\): every micro-batch needs at least one example\.$/,
  );
  assert.throws(
    () => train('full', 'single-label', { gradientAccumulationSteps: 0 }),
    /The number of gradient accumulation steps must be a whole number of at least 1, not 0\./,
  );
});

test('with dropout, micro-batches draw other masks than one batch, and the model still learns', () => {
  const options = (gradientAccumulationSteps: number): TrainOptions<ToyExample> => {
    const { model, rng } = tinyModel(1, 0.1, 0.2);
    return {
      model,
      rng,
      seed: 1,
      labels: TOY_LABELS,
      train: toyExamples(96, 1),
      val: null,
      test: toyExamples(30, 3),
      collate: collateToy,
      epochs: 8,
      batchSize: 8,
      lr: 1e-2,
      schedule: 'linear',
      warmupRatio: 0.1,
      maxGradNorm: 1,
      gradientAccumulationSteps,
      run: { method: 'scratch', name: 'dropout' },
    };
  };
  const split = options(4);
  const results = trainClassifier(split);
  const first = results.history[0].train_loss;
  const last = results.history[results.history.length - 1].train_loss;
  assert.ok(last < first * 0.1, `train loss ${first} → ${last}`);
  assert.equal(results.test.accuracy, 1);
  const whole = options(1);
  trainClassifier(whole);
  const weights = (o: TrainOptions<ToyExample>) =>
    new Map([...o.model.namedParameters()].map(([name, p]) => [name, p.data.slice()]));
  assert.ok(worstRelative(weights(whole), weights(split)) > 1e-3);
});
