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

test('a method not measured yet is priced by its step cost relative to the measured ones', () => {
  // Small-BERT steps cost 5 units, bert-tiny's 1, LoRA's 2/3 of that: as in the CFPB study.
  const plan: PlannedRun[] = [
    { method: 'scratch', steps: 10, stepCost: 5 },
    { method: 'full', steps: 10, stepCost: 1 },
    { method: 'lora', steps: 30, stepCost: 2 / 3 },
  ];
  const time = fakeTime();
  const clock = new StudyClock(plan, time.now);
  clock.start(0);
  clock.step(1, 10);
  time.advance(5);
  const p = clock.step(2, 10);
  // 5 s a scratch step → 1 s a full step, 2/3 s a LoRA step.
  assert.ok(Math.abs(p.secondsLeft! - (8 * 5 + 10 * 1 + 30 * (2 / 3))) < 1e-9, String(p.secondsLeft));
});

test("the step costs of the study's models rank Small-BERT above bert-tiny, LoRA below full fine-tuning", async () => {
  const { methodStepCosts } = await import('../../src/experiments/step-cost.js');
  const { DEFAULT_SCRATCH_SHAPE } = await import('../../src/experiments/train-run.js');
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'step-cost-'));
  // bert-tiny's shape; only config.json is read.
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({
      model_type: 'bert',
      hidden_size: 128,
      num_hidden_layers: 2,
      num_attention_heads: 2,
      intermediate_size: 512,
    }),
  );
  const costs = methodStepCosts(['scratch', 'full', 'lora'], dir, DEFAULT_SCRATCH_SHAPE);
  const ratio = costs.get('scratch')! / costs.get('full')!;
  assert.ok(ratio > 4 && ratio < 7, `Small-BERT / bert-tiny step cost ${ratio}`);
  assert.equal(costs.get('lora')! / costs.get('full')!, 2 / 3);
});
