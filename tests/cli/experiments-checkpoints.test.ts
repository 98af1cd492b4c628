import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerExperiments } from '../../src/cli/experiments.js';
import { SMOKE_FLAGS, tinyStudyArgs, tinyStudyInputs } from '../helpers/tiny-model.js';
import { runCommand } from './run-command.js';

test('every finished run of a study deletes its checkpoints, unless --keep-checkpoints', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'lora-lab-experiments-ckpt-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const inputs = await tinyStudyInputs(root);
  const study = (out: string, ...more: string[]) =>
    runCommand(registerExperiments, tinyStudyArgs(inputs, out, ...SMOKE_FLAGS, ...more));

  await study(join(root, 'default'));
  for (const method of ['full', 'lora']) {
    const run = join(root, 'default', 'runs', method, 'seed-42');
    assert.ok(existsSync(join(run, 'results.json')), `${method} did not finish`);
    assert.ok(!existsSync(join(run, 'checkpoints')), `${method} kept its checkpoints`);
  }

  await study(join(root, 'kept'), '--keep-checkpoints');
  for (const method of ['full', 'lora']) {
    const checkpoints = join(root, 'kept', 'runs', method, 'seed-42', 'checkpoints');
    assert.deepEqual(readdirSync(checkpoints), ['checkpoint-2'], method);
  }
});
