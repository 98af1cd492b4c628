import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from './helpers/cli.js';
import {
  assertSameRun,
  checkpointsWritten,
  RESUME_BACKENDS,
  resumeFixture,
  startPaused,
  trainArgs,
  trainArgsOn,
} from './helpers/train-runs.js';

/**
 * A training process killed outright (SIGKILL: no handler runs, nothing is flushed) loses only the
 * steps after its newest complete checkpoint: `--resume` finishes with the very bytes an uninterrupted
 * run writes, on two threads of the WebAssembly kernels and, mid-epoch, of the native ones too. The kill
 * lands at exact points (see helpers/pause-hook.ts): just after a checkpoint mid-epoch, and in the
 * middle of writing one.
 */

const fixture = resumeFixture('lora-lab-sigkill-');

function checkpointsOf(out: string): string[] {
  const dir = join(out, 'checkpoints');
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

for (const backend of RESUME_BACKENDS) {
  for (const method of ['full', 'lora'] as const) {
    test(`${backend}, ${method}: killed just after a mid-epoch checkpoint, --resume gives the uninterrupted bytes`, async () => {
      const ws = fixture.ws;
      const out = ws.path(`killed-${backend}-${method}`);
      const run = await startPaused(
        trainArgsOn(backend, method, ws, out),
        { on: 'rename', match: '/checkpoints/checkpoint-3$' },
        ws.path(`pause-${backend}-${method}`),
      );
      run.kill('SIGKILL');
      const killed = await run.done;
      assert.equal(killed.signal, 'SIGKILL');
      // Step 3 of 10 in epoch 1: the checkpoint is all there is; no model, no results yet.
      assert.deepEqual(checkpointsOf(out), ['checkpoint-3']);
      assert.ok(!existsSync(join(out, 'results.json')));
      assert.ok(!existsSync(join(out, method === 'lora' ? 'adapter' : 'model')));

      const renames = ws.path(`renames-${backend}-${method}`);
      const resumed = await runCli(trainArgsOn(backend, method, ws, out, '--resume'), {
        recordRenames: renames,
      });
      assert.equal(resumed.code, 0, resumed.stderr);
      assert.equal(resumed.stderr, '');
      // It continued from step 3 (its first checkpoint is step 6), rather than starting over.
      assert.equal(
        checkpointsWritten(renames)[0],
        6,
        `checkpoints written: ${checkpointsWritten(renames).join(', ')}`,
      );
      assertSameRun(fixture.reference(method, backend), out, method);
    });
  }
}

test('full: killed while writing a checkpoint, resume ignores the half-written folder and continues from the one before', async () => {
  const ws = fixture.ws;
  const out = ws.path('killed-mid-write');
  // Paused before trainer_state.json (written last) of checkpoint 6: its weights are on disk, under the temporary name.
  const run = await startPaused(
    trainArgs('full', ws, out),
    { on: 'write', match: '/checkpoints/\\.tmp-checkpoint-6-\\d+/trainer_state\\.json$' },
    ws.path('pause-mid-write'),
  );
  run.kill('SIGKILL');
  assert.equal((await run.done).signal, 'SIGKILL');
  const left = checkpointsOf(out);
  const temporary = left.find((name) => /^\.tmp-checkpoint-6-\d+$/.test(name));
  assert.deepEqual(left, [temporary, 'checkpoint-3'], `checkpoints after the kill: ${left.join(', ')}`);
  assert.deepEqual(readdirSync(join(out, 'checkpoints', temporary!)).sort(), [
    'model.safetensors',
    'optimizer.safetensors',
  ]);
  // A folder with a checkpoint's name but no trainer_state.json (copied by hand, or by an older version) is not complete either.
  mkdirSync(join(out, 'checkpoints', 'checkpoint-9'));
  writeFileSync(join(out, 'checkpoints', 'checkpoint-9', 'model.safetensors'), 'partial');

  const renames = ws.path('renames-mid-write');
  const resumed = await runCli(trainArgs('full', ws, out, '--resume'), { recordRenames: renames });
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.equal(
    checkpointsWritten(renames)[0],
    6,
    `checkpoints written: ${checkpointsWritten(renames).join(', ')}`,
  );
  assertSameRun(fixture.reference('full', 'wasm'), out, 'full');
  const after = checkpointsOf(out);
  assert.ok(!after.some((name) => name.startsWith('.tmp-')), `leftovers after resuming: ${after.join(', ')}`);
});

test('--resume after a kill before the first checkpoint says there is nothing to resume, on one line', async () => {
  const ws = fixture.ws;
  const out = ws.path('killed-early');
  const run = await startPaused(
    trainArgs('full', ws, out),
    { on: 'write', match: '/checkpoints/\\.tmp-checkpoint-3-\\d+/model\\.safetensors$' },
    ws.path('pause-early'),
  );
  run.kill('SIGKILL');
  await run.done;
  const resumed = await runCli(trainArgs('full', ws, out, '--resume'));
  assert.equal(resumed.code, 1);
  assert.match(
    resumed.stderr,
    /^lora-lab: There is no complete checkpoint in .*checkpoints to resume from\.\n$/,
  );
  // A fresh start (--overwrite: the folder holds the killed run's train.log) clears the leftover and
  // trains to the same result.
  const fresh = await runCli(trainArgs('full', ws, out, '--overwrite'));
  assert.equal(fresh.code, 0, fresh.stderr);
  assertSameRun(fixture.reference('full', 'wasm'), out, 'full');
});
