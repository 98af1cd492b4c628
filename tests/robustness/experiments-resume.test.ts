import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tinyStudyArgs, tinyStudyInputs } from '../helpers/tiny-model.js';
import { assertOneLineFailure, runCli } from './helpers/cli.js';
import { assertSameRun, startPaused } from './helpers/train-runs.js';

/**
 * `experiments` interrupted by Ctrl-C: exit code 130 and one line; `experiments --resume` keeps the
 * finished run and continues the interrupted one from its checkpoint (not from scratch), ending with
 * the bytes of an uninterrupted study.
 */

let root = '';
let args: (out: string, ...more: string[]) => string[];

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'lora-lab-experiments-'));
  const inputs = await tinyStudyInputs(root);
  args = (out, ...more) =>
    tinyStudyArgs(
      inputs,
      out,
      '--max-steps',
      '3',
      '--quiet',
      '--backend',
      'reference',
      '--threads',
      '1',
      ...more,
    );
});
after(() => rmSync(root, { recursive: true, force: true }));

test('experiments: SIGINT, then --resume continues the interrupted run and matches an uninterrupted study', async () => {
  const reference = join(root, 'uninterrupted');
  const out = join(root, 'interrupted');
  const [uninterrupted, run] = await Promise.all([
    runCli(args(reference)),
    // Ctrl-C as the first run (full) writes its last checkpoint: it finishes, the next one (lora) stops after a step.
    startPaused(
      args(out),
      { on: 'rename', match: '/runs/full/seed-42/checkpoints/checkpoint-3$' },
      join(root, 'pause'),
    ),
  ]);
  assert.equal(uninterrupted.code, 0, uninterrupted.stderr);
  run.kill('SIGINT');
  run.proceed();
  const interrupted = await run.done;
  assert.equal(interrupted.code, 130, interrupted.stderr);
  assert.match(
    assertOneLineFailure(interrupted, 'experiments SIGINT'),
    /^lora-lab: Training was interrupted at step 1; its state is saved in \S+runs\/lora\/seed-42\/checkpoints\/checkpoint-1, and the same command with --resume continues from there\.$/,
  );
  assert.ok(existsSync(join(out, 'runs', 'full', 'seed-42', 'results.json')));
  assert.ok(!existsSync(join(out, 'runs', 'lora', 'seed-42', 'results.json')));
  assert.ok(!existsSync(join(out, 'report.html')));

  const resumed = await runCli(args(out, '--resume'));
  assert.equal(resumed.code, 0, resumed.stderr);
  const log = readFileSync(join(out, 'runs', 'lora', 'seed-42', 'train.log'), 'utf8');
  assert.match(log, /resuming from \S+checkpoint-1\n/);
  assertSameRun(join(reference, 'runs', 'full', 'seed-42'), join(out, 'runs', 'full', 'seed-42'), 'full');
  assertSameRun(join(reference, 'runs', 'lora', 'seed-42'), join(out, 'runs', 'lora', 'seed-42'), 'lora');
  assert.ok(existsSync(join(out, 'report.html')));
});
