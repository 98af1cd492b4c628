import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProgressClock } from '../../src/cli/progress.js';

test('time left: from the steps, or from units of work where steps differ in cost', () => {
  let now = 0;
  const bySteps = new ProgressClock(() => now);
  const byWork = new ProgressClock(() => now);
  // Ten cheap steps (1 unit each) done in 10 s; ten steps of 10 units each to come.
  for (let step = 1; step <= 10; step++) {
    now = step;
    bySteps.update({ done: step, total: 20 });
    byWork.update({ done: step, total: 20, work: { done: step, total: 110 } });
  }
  const steps = bySteps.update({ done: 10, total: 20 });
  const work = byWork.update({ done: 10, total: 20, work: { done: 10, total: 110 } });
  assert.equal(steps.rate, 1);
  assert.equal(steps.secondsLeft, 10);
  assert.equal(work.rate, 1, 'the rate shown stays in steps');
  assert.equal(work.secondsLeft, 100);
});

test('a resumed run counts only the steps done in this process; nothing done yet leaves the time unknown', () => {
  let now = 0;
  const clock = new ProgressClock(() => now);
  now = 2;
  // Resumed at step 50 of 100: the first update's step took the 2 s, the 49 before it were done earlier.
  const first = clock.update({ done: 50, total: 100 });
  assert.equal(first.rate, 0.5);
  assert.equal(first.secondsLeft, 100);
  const idle = new ProgressClock(() => 0).update({ done: 0, total: 10 });
  assert.equal(idle.secondsLeft, Infinity);
});
