import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { tinyWorkspace, type TinyWorkspace } from '../helpers/tiny-model.js';
import { assertOneLineFailure, runCli } from './helpers/cli.js';
import { trainArgs } from './helpers/train-runs.js';

/**
 * A learning rate of a million sends the tiny model's loss to NaN within a few steps: the run stops
 * with exit code 1 and one sentence that names the step and the last good checkpoint, and writes no
 * model and no results.
 */

let ws: TinyWorkspace;
before(async () => {
  ws = await tinyWorkspace('lora-lab-diverge-');
});
after(() => ws?.cleanup());

const STOPPED =
  /^lora-lab: Training stopped at step (\d+): the (loss|gradient norm) became (NaN|-?Infinity); (.*) \(a lower learning rate or gradient clipping may help\)\.$/;

test('a diverging run names the step and the last good checkpoint, on one line', async () => {
  const out = ws.path('diverged');
  const result = await runCli(trainArgs('full', ws, out, '--lr', '1e6', '--save-steps', '1'));
  assert.equal(result.code, 1, result.stderr);
  const match = STOPPED.exec(assertOneLineFailure(result, 'NaN'));
  assert.ok(match, `unexpected message: ${result.stderr}`);
  const step = Number(match[1]);
  assert.ok(step >= 2, `diverged at step ${step}, before any checkpoint could be good`);
  const last = /^the last good checkpoint is (\S+checkpoint-(\d+))$/.exec(match[4]);
  assert.ok(last, `no checkpoint named: ${match[4]}`);
  assert.equal(Number(last[2]), step - 1);
  assert.ok(existsSync(join(last[1], 'trainer_state.json')), 'the named checkpoint is complete');
  assert.ok(!existsSync(join(out, 'model')));
  assert.ok(!existsSync(join(out, 'results.json')));
});

test('a run that diverges before its first checkpoint says so', async () => {
  const out = ws.path('diverged-early');
  const result = await runCli(trainArgs('lora', ws, out, '--lr', '1e6', '--save-steps', '0'));
  assert.equal(result.code, 1, result.stderr);
  const match = STOPPED.exec(assertOneLineFailure(result, 'NaN (lora)'));
  assert.ok(match, `unexpected message: ${result.stderr}`);
  assert.equal(match[4], 'no checkpoint had been saved yet');
  assert.ok(!existsSync(join(out, 'adapter')));
  assert.ok(!existsSync(join(out, 'results.json')));
});
