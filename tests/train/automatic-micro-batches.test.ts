import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useKernels } from '../../src/kernels/active.js';
import { KernelMemoryExhausted } from '../../src/kernels/memory-exhausted.js';
import { createWasmKernels } from '../../src/kernels/wasm/index.js';
import type { MicroBatchSplit } from '../../src/train/micro-batches.js';
import { trainClassifier, type TrainOptions } from '../../src/train/trainer.js';
import { collateToy, tinyModel, toyExamples, TOY_LABELS, type ToyExample } from './tiny.js';
import { longExamples, wideModel } from './wide.js';
import { worstRelative, type Weights } from './weight-difference.js';

function weightsOf(model: TrainOptions<ToyExample>['model']): Weights {
  return new Map([...model.namedParameters()].map(([name, p]) => [name, p.data.slice()]));
}

/** Two steps of batch 32 on a wasm backend limited to `limitMiB` (none: its 4 GiB). */
async function trainWide(
  limitMiB: number | null,
  gradientAccumulationSteps = 1,
): Promise<{ weights: Weights; splits: MicroBatchSplit[]; config: Record<string, unknown> }> {
  const wasm = await createWasmKernels({
    threads: 2,
    ...(limitMiB !== null ? { memoryLimitBytes: limitMiB * 2 ** 20 } : {}),
  });
  const previous = useKernels(wasm);
  try {
    const { model, rng } = wideModel();
    const splits: MicroBatchSplit[] = [];
    const results = trainClassifier({
      model,
      rng,
      seed: 3,
      labels: TOY_LABELS,
      train: longExamples(64),
      val: null,
      test: longExamples(4),
      collate: collateToy,
      epochs: 1,
      maxSteps: 2,
      batchSize: 32,
      evalBatchSize: 2,
      lr: 1e-2,
      gradientAccumulationSteps,
      run: { method: 'full', name: 'automatic micro-batches' },
      onMicroBatchSplit: (s) => splits.push(s),
    });
    return { weights: weightsOf(model), splits, config: results.config };
  } finally {
    useKernels(previous);
    wasm.dispose();
  }
}

test('a batch the wasm kernels cannot hold is split by itself, with the one-batch result', async () => {
  const whole = await trainWide(null);
  assert.deepEqual(whole.splits, []);
  // 8 MiB cannot hold a batch of 32, nor of 16; 4 micro-batches of 8 fit.
  const limited = await trainWide(8);
  assert.deepEqual(limited.splits, [{ microBatches: 4, rows: 32, limitBytes: 8 * 2 ** 20 }]);
  assert.equal(limited.config.micro_batches, 4);
  const w = worstRelative(whole.weights, limited.weights);
  assert.ok(w <= 1e-5, `weights differ by ${w} relative`);
  // The failed attempts left nothing behind: the run is, bit for bit, one asked for 4 micro-batches.
  const asked = await trainWide(null, 4);
  assert.deepEqual(asked.splits, []);
  assert.deepEqual(limited.weights, asked.weights);
});

/**
 * The tiny model, failing with KernelMemoryExhausted after the forward of the calls numbered in
 * `failing` (1-based), or of every call with more rows than `maxRows`.
 */
function failingModel(failing: Set<number>, maxRows = Infinity, dropout = 0.1) {
  const built = tinyModel(9, dropout, 0.2);
  const forward = built.model.forward.bind(built.model);
  let calls = 0;
  built.model.forward = (inputIds, attentionMask, tokenTypeIds) => {
    const logits = forward(inputIds, attentionMask, tokenTypeIds);
    calls++;
    if (failing.has(calls) || inputIds.shape[0] > maxRows) throw new KernelMemoryExhausted(2 ** 33, 2 ** 32);
    return logits;
  };
  return built;
}

function tinyRun(built: ReturnType<typeof tinyModel>, overrides: Partial<TrainOptions<ToyExample>> = {}) {
  const splits: MicroBatchSplit[] = [];
  trainClassifier({
    ...built,
    seed: 9,
    labels: TOY_LABELS,
    train: toyExamples(30, 1),
    val: null,
    test: toyExamples(6, 3),
    collate: collateToy,
    epochs: 1,
    maxSteps: 3,
    batchSize: 10,
    lr: 1e-2,
    run: { method: 'full', name: 'failing' },
    onMicroBatchSplit: (s) => splits.push(s),
    ...overrides,
  });
  return { weights: weightsOf(built.model), splits };
}

test('a retry puts back the gradients and the dropout draws of the failed attempt', () => {
  // Step 1: the whole batch fails (call 1); as 5 + 5 rows the first half's backward runs and the
  // second fails (call 3); as 3 + 3 + 2 + 2 rows it goes through. With dropout on, only a retry that
  // restored the generator and dropped the half-accumulated gradients matches a run asked for 4.
  const retried = tinyRun(failingModel(new Set([1, 3])));
  assert.deepEqual(retried.splits, [{ microBatches: 4, rows: 10, limitBytes: 2 ** 32 }]);
  const asked = tinyRun(tinyModel(9, 0.1, 0.2), { gradientAccumulationSteps: 4 });
  assert.deepEqual(asked.splits, []);
  assert.deepEqual(retried.weights, asked.weights);
});

test('when even one example does not fit, the run stops with one sentence', () => {
  assert.throws(
    () => tinyRun(failingModel(new Set(), 0)),
    /^UserError: Even one example at a time needs 8589934592 bytes of the kernels' memory, more than their 4 GiB limit; a shorter maximum length, a smaller model or another backend may fit\.$/,
  );
});

test('a failure that is not about memory is not retried', () => {
  const built = tinyModel(9, 0, 0.2);
  built.model.forward = () => {
    throw new RangeError('something else');
  };
  assert.throws(() => tinyRun(built), /^RangeError: something else$/);
});
