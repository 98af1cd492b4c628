import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../../src/errors.js';
import { trainClassifier, TrainingInterrupted, type TrainOptions } from '../../src/train/trainer.js';
import type { RunResults } from '../../src/train/results.js';
import { collateToy, tinyModel, toyExamples, TOY_LABELS, type ToyExample } from './tiny.js';

const TRAIN = toyExamples(48, 1);
const VAL = toyExamples(12, 2);
const TEST = toyExamples(15, 3);
const EPOCHS = 12;

function options(overrides: Partial<TrainOptions<ToyExample>> = {}): TrainOptions<ToyExample> {
  // The wide init learns the separable toy task within a few epochs; val F1 then stops improving.
  const { model, rng } = tinyModel(7, 0.1, 0.2);
  return {
    model,
    rng,
    seed: 7,
    labels: TOY_LABELS,
    train: TRAIN,
    val: VAL,
    test: TEST,
    collate: collateToy,
    epochs: EPOCHS,
    batchSize: 8,
    lr: 1e-2,
    schedule: 'linear',
    warmupRatio: 0.1,
    run: { method: 'scratch', name: 'early stopping test' },
    ...overrides,
  };
}

/** Epochs after `epoch` (1-based) in which the val F1 did not beat the best so far. */
function epochsWithoutImprovement(r: RunResults, epoch: number): number {
  let best = -Infinity;
  let since = 0;
  for (const h of r.history.slice(0, epoch)) {
    if (h.val!.f1_weighted > best) {
      best = h.val!.f1_weighted;
      since = 0;
    } else since++;
  }
  return since;
}

function withoutSeconds(r: RunResults): unknown {
  return r.history.map((h) => ({ ...h, seconds: 0 }));
}

const full = trainClassifier(options());

test('the full run has a plateau for early stopping to find (else the other tests prove nothing)', () => {
  assert.equal(full.history.length, EPOCHS);
  assert.ok(full.best_epoch <= EPOCHS - 3, `best epoch ${full.best_epoch} of ${EPOCHS}`);
  assert.equal(full.stopped_early, undefined);
});

test('a run stops after `patience` epochs without a better val F1, as the full run would have gone', () => {
  const patience = 2;
  const r = trainClassifier(options({ earlyStoppingPatience: patience }));
  // The first epoch at which the full run's history had `patience` epochs without improvement.
  const stopAt = full.history.findIndex((_, i) => epochsWithoutImprovement(full, i + 1) >= patience) + 1;
  assert.ok(stopAt > 0 && stopAt < EPOCHS);
  assert.deepEqual(r.stopped_early, { epoch: stopAt, epochs: EPOCHS });
  assert.equal(r.history.length, stopAt);
  // Same learning-rate schedule, same draws: the epochs run are the full run's, bit for bit.
  assert.deepEqual(withoutSeconds(r), (withoutSeconds(full) as unknown[]).slice(0, stopAt));
  assert.equal(r.best_epoch, stopAt - patience);
  assert.equal(r.config.early_stopping_patience, patience);
  // The best epoch up to the stop is the full run's best, so the kept weights test the same.
  if (full.best_epoch < stopAt) assert.deepEqual(r.test, full.test);
});

test('a patience the plateau never reaches changes nothing', () => {
  const r = trainClassifier(options({ earlyStoppingPatience: EPOCHS }));
  assert.equal(r.stopped_early, undefined);
  assert.deepEqual(withoutSeconds(r), withoutSeconds(full));
  assert.equal(r.best_epoch, full.best_epoch);
  assert.deepEqual(r.test, full.test);
});

test('a run that stopped early resumes to the same stop from an epoch-end checkpoint', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lora-lab-early-'));
  try {
    const patience = 2;
    const expected = trainClassifier(options({ earlyStoppingPatience: patience }));
    const stopAt = expected.stopped_early!.epoch;
    const controller = new AbortController();
    // Interrupted at the end of the epoch before the stop: the checkpoint there is epoch-complete.
    assert.throws(
      () =>
        trainClassifier(
          options({
            earlyStoppingPatience: patience,
            checkpointDir: dir,
            signal: controller.signal,
            onEpochEnd: (record) => {
              if (record.epoch === stopAt - 1) controller.abort();
            },
          }),
        ),
      TrainingInterrupted,
    );
    const resumed = trainClassifier(
      options({ earlyStoppingPatience: patience, checkpointDir: dir, resume: true }),
    );
    assert.deepEqual(resumed.stopped_early, expected.stopped_early);
    assert.deepEqual(withoutSeconds(resumed), withoutSeconds(expected));
    assert.deepEqual(resumed.test, expected.test);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('early stopping without a validation split is refused in one sentence', () => {
  assert.throws(
    () => trainClassifier(options({ val: null, earlyStoppingPatience: 3 })),
    (error: unknown) =>
      error instanceof UserError &&
      /no validation split/.test(error.message) &&
      error.message.split('. ').length === 1,
  );
  assert.throws(() => trainClassifier(options({ earlyStoppingPatience: 1.5 })), UserError);
});
