import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StudyClock, type PlannedRun } from '../../src/experiments/study-clock.js';
import { trainingStatus } from '../../src/cli/training-session.js';
import type { TrainProgress } from '../../src/train/trainer.js';

/** A clock the test moves by hand (seconds). */
function fakeTime(): { now: () => number; advance: (s: number) => void } {
  let t = 0;
  return { now: () => t, advance: (s) => void (t += s) };
}

test('the study clock: which run of how many, and the time left for the whole study', () => {
  const plan: PlannedRun[] = [
    { method: 'scratch', steps: 10 },
    { method: 'lora', steps: 10 },
    { method: 'scratch', steps: 20, kept: true },
    { method: 'scratch', steps: 10 },
  ];
  const time = fakeTime();
  const clock = new StudyClock(plan, time.now);
  clock.start(0);
  time.advance(5); // loading the model: not part of a step
  assert.equal(clock.step(1, 10).secondsLeft, null, 'nothing measured after the first step');
  time.advance(2);
  const second = clock.step(2, 10);
  assert.equal(second.run, 1);
  assert.equal(second.runs, 4);
  // 2 s a step: 8 steps of this run, 10 of lora priced at the only known rate, the kept run free, 10 more.
  assert.equal(second.secondsLeft, 2 * (8 + 10 + 10));
  for (let step = 3; step <= 10; step++) {
    time.advance(2);
    clock.step(step, 10);
  }
  clock.finish(); // 23 s wall for 10 steps: 2.3 s a step, loading included
  clock.start(1);
  time.advance(1);
  clock.step(1, 10);
  time.advance(1);
  const lora = clock.step(2, 10);
  assert.equal(lora.run, 2);
  // lora measured on its own run (1 s a step), scratch on its finished run (2.3 s a step).
  assert.ok(Math.abs(lora.secondsLeft! - (8 * 1 + 10 * 2.3)) < 1e-9, String(lora.secondsLeft));
});

test('a study progress line says the time the study has left; a single training does not', () => {
  const p = { step: 3, totalSteps: 10, epoch: 1, epochs: 3, loss: 0.8123 } as TrainProgress;
  assert.equal(trainingStatus(p), 'epoch 1/3 loss 0.812');
  assert.equal(
    trainingStatus(p, { run: 4, runs: 9, secondsLeft: 754 }),
    'epoch 1/3 loss 0.812; study: about 12m34s left',
  );
  assert.match(trainingStatus(p, { run: 1, runs: 9, secondsLeft: null }), /time left not known yet/);
});
