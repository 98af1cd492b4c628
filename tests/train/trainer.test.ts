import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  trainClassifier,
  TrainingDiverged,
  TrainingInterrupted,
  type TrainOptions,
} from '../../src/train/trainer.js';
import { evaluate } from '../../src/train/evaluate.js';
import { collateTokenized } from '../../src/train/collate.js';
import type { TokenizedExample } from '../../src/data/dataset.js';
import { latestCheckpoint, loadCheckpoint } from '../../src/train/checkpoint.js';
import type { RunResults } from '../../src/train/results.js';
import { applyLora, createLoraConfig } from '../../src/lora/index.js';
import { collateToy, tinyModel, toyExamples, TOY_LABELS, type ToyExample } from './tiny.js';

const TRAIN = toyExamples(48, 1);
const VAL = toyExamples(12, 2);
const TEST = toyExamples(15, 3);

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'lora-lab-train-'));
}

function baseOptions(
  seed: number,
  overrides: Partial<TrainOptions<ToyExample>> = {},
): TrainOptions<ToyExample> {
  const { model, rng } = tinyModel(seed);
  return {
    model,
    rng,
    seed,
    labels: TOY_LABELS,
    train: TRAIN,
    val: VAL,
    test: TEST,
    collate: collateToy,
    epochs: 3,
    batchSize: 8,
    lr: 1e-2,
    run: { method: 'scratch', name: 'tiny test' },
    ...overrides,
  };
}

function weightsOf(options: { model: TrainOptions<unknown>['model'] }): Map<string, number[]> {
  return new Map([...options.model.namedParameters()].map(([name, p]) => [name, Array.from(p.data)]));
}

/** Everything of results.json that must not depend on timing. */
function deterministicPart(r: RunResults): unknown {
  return {
    history: r.history.map((h) => ({ ...h, seconds: 0 })),
    best_epoch: r.best_epoch,
    test: r.test,
    config: r.config,
  };
}

test('a tiny BERT learns a separable task: the loss falls and accuracy reaches 1', () => {
  // Each class draws its tokens from its own block of ids. From-scratch BERT at HF's 0.02 init often
  // sits on a plateau for a long while on so little data, so the toy model starts from a wider init.
  const { model, rng } = tinyModel(1, 0.1, 0.2);
  const train = toyExamples(96, 1);
  const test = toyExamples(30, 3);
  const losses: number[] = [];
  const results = trainClassifier({
    ...baseOptions(1),
    model,
    rng,
    train,
    val: null,
    test,
    epochs: 8,
    schedule: 'linear',
    warmupRatio: 0.1,
    maxGradNorm: 1,
    onProgress: (p) => losses.push(p.loss),
  });
  assert.equal(losses.length, 8 * 12);
  const first = results.history[0].train_loss;
  const last = results.history[results.history.length - 1].train_loss;
  assert.ok(last < first * 0.1, `train loss ${first} → ${last}`);
  assert.equal(results.test.accuracy, 1);
  assert.equal(results.test.f1_weighted, 1);
  assert.equal(
    evaluate(model, train, { batchSize: 32, collate: collateToy, labels: TOY_LABELS }).accuracy,
    1,
  );
  assert.equal(results.best_epoch, 8);
  assert.equal(results.test.examples, test.length);
  assert.ok(results.timing.train_examples_per_second > 0);
  assert.ok(results.timing.eval_examples_per_second > 0);
  assert.equal(results.trainable_params, results.total_params);
  assert.equal(results.config.total_steps, 96);
  assert.equal(results.config.warmup_steps, 10);
});

test('the same seed gives bit-identical runs; the best epoch by val F1 is restored', () => {
  const a = baseOptions(11);
  const b = baseOptions(11);
  const ra = trainClassifier(a);
  const rb = trainClassifier(b);
  assert.deepEqual(weightsOf(a), weightsOf(b));
  assert.deepEqual(deterministicPart(ra), deterministicPart(rb));
  const bestF1 = Math.max(...ra.history.map((h) => h.val!.f1_weighted));
  assert.equal(ra.history[ra.best_epoch - 1].val!.f1_weighted, bestF1);
  // The kept weights are the best epoch's: re-evaluating val reproduces its record.
  const val = evaluate(a.model, VAL, { batchSize: 8, collate: collateToy, labels: TOY_LABELS });
  assert.equal(val.f1_weighted, bestF1);
  assert.equal(val.loss, ra.history[ra.best_epoch - 1].val!.loss);
});

test('resuming after an interruption gives bit-identical weights and metrics', () => {
  const reference = baseOptions(5, { saveSteps: 4 });
  const expected = trainClassifier({ ...reference, checkpointDir: tempDir() });

  for (const stopAt of [6, 7, 13] as const) {
    const dir = tempDir();
    try {
      const first = baseOptions(5, { saveSteps: 4, checkpointDir: dir, saveTotalLimit: 2 });
      assert.throws(
        () =>
          trainClassifier({
            ...first,
            onProgress: (p) => {
              if (p.step === stopAt) throw new Error('simulated crash');
            },
          }),
        /simulated crash/,
      );
      // Checkpoints every 4 steps mid-epoch and at each epoch's end (steps 6, 12, …), the newest two kept.
      // onProgress runs before the epoch-end checkpoint, so a crash at step 6 leaves step 4.
      const expectedNewest = { 6: 4, 7: 6, 13: 12 }[stopAt]!;
      const names = readdirSync(dir).sort();
      assert.equal(names.length, stopAt === 6 ? 1 : 2, names.join(','));
      const newest = latestCheckpoint(dir)!;
      assert.equal(loadCheckpoint(newest).state.global_step, expectedNewest);

      const second = baseOptions(5, { saveSteps: 4, checkpointDir: dir, resume: true });
      const resumed = trainClassifier(second);
      assert.deepEqual(weightsOf(second), weightsOf(reference), `weights after resuming from step ${stopAt}`);
      assert.deepEqual(deterministicPart(resumed), deterministicPart(expected));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

test('an aborted run checkpoints at the next step boundary and throws TrainingInterrupted; resume finishes it', () => {
  const dir = tempDir();
  try {
    const reference = baseOptions(3, { epochs: 2 });
    const expected = trainClassifier(reference);
    const controller = new AbortController();
    const first = baseOptions(3, { epochs: 2, checkpointDir: dir, signal: controller.signal });
    assert.throws(
      () =>
        trainClassifier({
          ...first,
          onProgress: (p) => {
            if (p.step === 3) controller.abort();
          },
        }),
      (error: unknown) => {
        assert.ok(error instanceof TrainingInterrupted);
        assert.equal(error.step, 3);
        assert.equal(error.checkpoint, join(dir, 'checkpoint-3'));
        assert.match(error.message, /interrupted at step 3/);
        return true;
      },
    );
    const second = baseOptions(3, { epochs: 2, checkpointDir: dir, resume: true });
    const resumed = trainClassifier(second);
    assert.deepEqual(weightsOf(second), weightsOf(reference));
    assert.deepEqual(deterministicPart(resumed), deterministicPart(expected));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a NaN loss stops the run with a clear message and keeps the last good checkpoint', () => {
  const dir = tempDir();
  try {
    const options = baseOptions(9, { checkpointDir: dir, saveSteps: 2 });
    // Poison the classifier after step 3 so the next forward pass yields NaN logits.
    const weight = [...options.model.namedParameters()].find(([name]) => name === 'classifier.weight')![1];
    assert.throws(
      () =>
        trainClassifier({
          ...options,
          onProgress: (p) => {
            if (p.step === 3) weight.data[0] = Number.NaN;
          },
        }),
      (error: unknown) => {
        assert.ok(error instanceof TrainingDiverged);
        assert.equal(
          error.message,
          `Training stopped at step 4: the loss became NaN; the last good checkpoint is ${join(dir, 'checkpoint-2')} (a lower learning rate or gradient clipping may help).`,
        );
        return true;
      },
    );
    assert.equal(latestCheckpoint(dir), join(dir, 'checkpoint-2'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('without a validation split the last epoch is kept; maxSteps cuts the run short', () => {
  const results = trainClassifier(baseOptions(4, { val: null, epochs: 5, maxSteps: 8 }));
  assert.equal(results.history.length, 2);
  assert.equal(results.best_epoch, 2);
  assert.equal(results.config.total_steps, 8);
  assert.equal(results.history[0].val, undefined);
});

test('a fresh run refuses a folder with checkpoints; resume refuses other settings', () => {
  const dir = tempDir();
  try {
    trainClassifier(baseOptions(2, { epochs: 1, checkpointDir: dir }));
    assert.throws(
      () => trainClassifier(baseOptions(2, { epochs: 1, checkpointDir: dir })),
      /already holds checkpoints/,
    );
    assert.throws(
      () => trainClassifier(baseOptions(2, { epochs: 1, batchSize: 4, checkpointDir: dir, resume: true })),
      /batch_size = 8, but this run has 4/,
    );
    trainClassifier(baseOptions(2, { epochs: 1, checkpointDir: dir, overwriteCheckpoints: true }));
    assert.throws(
      () => trainClassifier(baseOptions(2, { epochs: 1, checkpointDir: tempDir(), resume: true })),
      /no complete checkpoint/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('LoRA: only adapter and head weights change, and an interrupted LoRA run resumes bit for bit', () => {
  const lora = (
    seed: number,
    overrides: Partial<TrainOptions<ToyExample>> = {},
  ): TrainOptions<ToyExample> => {
    const options = baseOptions(seed, { epochs: 2, saveSteps: 3, ...overrides });
    applyLora(
      options.model,
      createLoraConfig({ task_type: 'SEQ_CLS', r: 4, lora_alpha: 8, lora_dropout: 0.1 }),
      options.rng,
    );
    return { ...options, run: { method: 'lora', name: 'tiny LoRA' } };
  };
  const reference = lora(21);
  const frozenBefore = [...reference.model.namedParameters()]
    .filter(([, p]) => !p.requiresGrad)
    .map(([n, p]) => [n, Array.from(p.data)]);
  const expected = trainClassifier(reference);
  const frozenAfter = [...reference.model.namedParameters()]
    .filter(([, p]) => !p.requiresGrad)
    .map(([n, p]) => [n, Array.from(p.data)]);
  assert.deepEqual(frozenAfter, frozenBefore);
  assert.ok(expected.trainable_params < expected.total_params);

  const dir = tempDir();
  try {
    assert.throws(() =>
      trainClassifier({
        ...lora(21, { checkpointDir: dir }),
        onProgress: (p) => {
          if (p.step === 8) throw new Error('crash');
        },
      }),
    );
    const saved = loadCheckpoint(latestCheckpoint(dir)!);
    assert.equal(saved.state.global_step, 6);
    assert.ok(
      [...saved.weights.keys()].every((name) => name.includes('lora_') || name.startsWith('classifier.')),
    );
    const second = lora(21, { checkpointDir: dir, resume: true });
    const resumed = trainClassifier(second);
    assert.deepEqual(weightsOf(second), weightsOf(reference));
    assert.deepEqual(deterministicPart(resumed), deterministicPart(expected));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('collateTokenized batches the data layer’s tokenized examples exactly as the toy collate does', () => {
  const toTokenized = (xs: readonly ToyExample[]): TokenizedExample[] =>
    xs.map((e) => ({ ids: Int32Array.from(e.ids), label: e.label }));
  // Both evaluate in order of length (collateTokenized knows its examples' lengths), so that every
  // batch, and with it each batch's float32 mean loss, is the same.
  const toyByLength = Object.assign((xs: readonly ToyExample[]) => collateToy(xs), {
    lengthOf: (e: ToyExample) => e.ids.length,
  });
  const viaToy = { ...baseOptions(13, { epochs: 1 }), collate: toyByLength };
  const a = trainClassifier(viaToy);
  const { train: _t, val: _v, test: _s, collate: _c, ...rest } = baseOptions(13, { epochs: 1 });
  const viaData: TrainOptions<TokenizedExample> = {
    ...rest,
    train: toTokenized(TRAIN),
    val: toTokenized(VAL),
    test: toTokenized(TEST),
    collate: collateTokenized({ padId: 0, maxLength: 32 }),
  };
  const b = trainClassifier(viaData);
  assert.deepEqual(weightsOf(viaData), weightsOf(viaToy));
  assert.deepEqual(deterministicPart(b), deterministicPart(a));
});
