import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LrSchedule, warmupStepsFor } from '../../src/optim/schedule.js';

test('linear schedule warms up from 0 and decays to 0 as get_linear_schedule_with_warmup', () => {
  const s = new LrSchedule({ kind: 'linear', lr: 1, totalSteps: 10, warmupSteps: 2 });
  const lrs = Array.from({ length: 11 }, (_, i) => s.lrAt(i));
  assert.deepEqual(lrs, [0, 0.5, 1, 7 / 8, 6 / 8, 5 / 8, 4 / 8, 3 / 8, 2 / 8, 1 / 8, 0]);
  assert.equal(s.lrAt(12), 0);
});

test('linear schedule without warm-up starts at the peak', () => {
  const s = new LrSchedule({ kind: 'linear', lr: 2e-5, totalSteps: 4 });
  assert.deepEqual(
    [0, 1, 2, 3].map((i) => s.lrAt(i)),
    [1, 0.75, 0.5, 0.25].map((f) => 2e-5 * f),
  );
});

test('constant and constant-with-warm-up schedules', () => {
  const c = new LrSchedule({ kind: 'constant', lr: 3, totalSteps: 5, warmupSteps: 2 });
  assert.deepEqual(
    [0, 1, 4].map((i) => c.lrAt(i)),
    [3, 3, 3],
  );
  const w = new LrSchedule({ kind: 'constant_with_warmup', lr: 4, totalSteps: 5, warmupSteps: 4 });
  assert.deepEqual(
    [0, 1, 2, 3, 4, 9].map((i) => w.lrAt(i)),
    [0, 1, 2, 3, 4, 4],
  );
});

test('warm-up steps follow HF: explicit count, else ceil(ratio · total)', () => {
  assert.equal(warmupStepsFor(100, 0.06), 6);
  assert.equal(warmupStepsFor(10, 0.15), 2);
  assert.equal(warmupStepsFor(10, 0.5, 3), 3);
  assert.equal(warmupStepsFor(10), 0);
  assert.throws(() => warmupStepsFor(10, 2), /between 0 and 1/);
  assert.throws(
    () => new LrSchedule({ kind: 'cosine' as 'linear', lr: 1, totalSteps: 1 }),
    /Unknown learning-rate schedule/,
  );
});
