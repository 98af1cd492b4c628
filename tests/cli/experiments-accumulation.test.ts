import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerExperiments } from '../../src/cli/experiments.js';
import { SMOKE_FLAGS, tinyStudyArgs, tinyStudyInputs } from '../helpers/tiny-model.js';
import { runCommand } from './run-command.js';

test('experiments --gradient-accumulation-steps reaches every training of the study', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'lora-lab-experiments-accum-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const inputs = await tinyStudyInputs(root);
  const out = join(root, 'study');
  await runCommand(
    registerExperiments,
    tinyStudyArgs(inputs, out, ...SMOKE_FLAGS, '--gradient-accumulation-steps', '4'),
  );
  for (const method of ['full', 'lora']) {
    const run = join(out, 'runs', method, 'seed-42');
    const results = JSON.parse(readFileSync(join(run, 'results.json'), 'utf8')) as {
      config: Record<string, unknown>;
    };
    assert.equal(results.config.gradient_accumulation_steps, 4, method);
    assert.match(readFileSync(join(run, 'train.log'), 'utf8'), /batch 16 in 4 micro-batches/, method);
  }
});
