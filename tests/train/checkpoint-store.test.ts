import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memoryCheckpoints } from '../../src/train/checkpoint-store.js';
import { latestCheckpoint } from '../../src/train/checkpoint.js';
import { trainClassifier, TrainingInterrupted, type TrainOptions } from '../../src/train/trainer.js';
import { collateToy, tinyModel, toyExamples, TOY_LABELS, type ToyExample } from './tiny.js';

const TRAIN = toyExamples(48, 1);
const VAL = toyExamples(12, 2);
const TEST = toyExamples(15, 3);

function options(overrides: Partial<TrainOptions<ToyExample>> = {}): TrainOptions<ToyExample> {
  const { model, rng } = tinyModel(7);
  return {
    model,
    rng,
    seed: 7,
    labels: TOY_LABELS,
    train: TRAIN,
    val: VAL,
    test: TEST,
    collate: collateToy,
    epochs: 2,
    batchSize: 8,
    lr: 1e-2,
    run: { method: 'scratch', name: 'tiny test' },
    ...overrides,
  };
}

function weightsOf(o: TrainOptions<ToyExample>): Map<string, number[]> {
  return new Map([...o.model.namedParameters()].map(([name, p]) => [name, Array.from(p.data)]));
}

test('a run stopped into a memory store, copied out and put back in a new store, resumes bit for bit', () => {
  const reference = options();
  const expected = trainClassifier(reference);

  const store = memoryCheckpoints();
  const controller = new AbortController();
  const first = options({ checkpoints: store, signal: controller.signal, saveSteps: 2, saveTotalLimit: 1 });
  assert.throws(
    () => trainClassifier({ ...first, onProgress: (p) => p.step === 5 && controller.abort() }),
    (error: unknown) => error instanceof TrainingInterrupted && error.checkpoint === 'checkpoint-5',
  );
  assert.deepEqual(store.list(), [[5, 'checkpoint-5']], 'only the newest checkpoint is kept');

  // What a page does across a reload: the files go to its storage and come back into a fresh store.
  const files = store.files('checkpoint-5')!;
  assert.deepEqual([...files.keys()].sort(), [
    'model.safetensors',
    'optimizer.safetensors',
    'trainer_state.json',
  ]);
  const restored = memoryCheckpoints();
  restored.restore(5, new Map(files));
  const second = options({ checkpoints: restored, resume: true });
  const resumed = trainClassifier(second);
  assert.deepEqual(weightsOf(second), weightsOf(reference));
  assert.deepEqual(resumed.test, expected.test);
  assert.deepEqual(
    resumed.history.map((h) => ({ ...h, seconds: 0 })),
    expected.history.map((h) => ({ ...h, seconds: 0 })),
  );
});

test('a memory checkpoint holds the same bytes as a checkpoint folder of the same run', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lora-lab-store-'));
  try {
    const store = memoryCheckpoints();
    trainClassifier(options({ checkpoints: store, epochs: 1 }));
    trainClassifier(options({ checkpointDir: dir, epochs: 1 }));
    const folder = latestCheckpoint(dir)!;
    const [[step, id]] = store.list();
    assert.equal(folder, join(dir, `checkpoint-${step}`));
    for (const [name, bytes] of store.files(id)!) {
      if (name === 'trainer_state.json') {
        // The timing fields differ between two runs; everything else is the same.
        const clean = (text: string) => ({
          ...JSON.parse(text),
          train_seconds: 0,
          epoch_seconds: 0,
          history: [],
        });
        assert.deepEqual(
          clean(new TextDecoder().decode(bytes)),
          clean(readFileSync(join(folder, name), 'utf8')),
        );
      } else {
        assert.ok(Buffer.from(bytes).equals(readFileSync(join(folder, name))), name);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a memory store refuses an id it does not hold, in one sentence', () => {
  const store = memoryCheckpoints('this page');
  assert.equal(store.latest(), null);
  assert.equal(store.files('checkpoint-3'), null);
  assert.throws(() => store.load('checkpoint-3'), {
    name: 'UserError',
    message: 'There is no checkpoint checkpoint-3 in this page.',
  });
});
