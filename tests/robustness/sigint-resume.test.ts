import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { assertOneLineFailure, runCli } from './helpers/cli.js';
import {
  assertSameRun,
  checkpointsWritten,
  RESUME_BACKENDS,
  resumeFixture,
  startPaused,
  trainArgs,
  trainArgsOn,
  type ResumeBackend,
} from './helpers/train-runs.js';

/**
 * Ctrl-C (SIGINT) or SIGTERM during training: the run checkpoints at the next step boundary, prints one line,
 * exits with 130 (143 for SIGTERM), and `--resume` finishes with the bytes of an uninterrupted run, on two
 * threads of the WebAssembly kernels and, mid-epoch, of the native ones too. The signal arrives while the
 * process is busy in a step (held there by helpers/pause-hook.ts), as it would in a long one.
 */

const fixture = resumeFixture('lora-lab-sigint-');

const AFTER_STEP_3 = { on: 'rename', match: '/checkpoints/checkpoint-3$' } as const;

const INTERRUPTED_AT_3 =
  /^lora-lab: Training was interrupted at step 3; its state is saved in \S+checkpoint-3, and the same command with --resume continues from there\.$/;

/** `--resume` in `out`: it must continue from step 3 (its first checkpoint is 6) and end as the uninterrupted run. */
async function resumeMatches(
  method: 'full' | 'lora',
  out: string,
  backend: ResumeBackend = 'wasm',
): Promise<void> {
  const renames = `${out}.renames`;
  const resumed = await runCli(trainArgsOn(backend, method, fixture.ws, out, '--resume'), {
    recordRenames: renames,
  });
  assert.equal(resumed.code, 0, resumed.stderr);
  const written = checkpointsWritten(renames);
  assert.equal(written[0], 6, `checkpoints written on resuming: ${written.join(', ')}`);
  assertSameRun(fixture.reference(method, backend), out, method);
}

for (const backend of RESUME_BACKENDS) {
  for (const method of ['full', 'lora'] as const) {
    test(`${backend}, ${method}, SIGINT mid-epoch: a checkpoint, one line, exit code 130; --resume finishes with the uninterrupted bytes`, async () => {
      const ws = fixture.ws;
      const out = ws.path(`interrupted-${backend}-${method}`);
      const run = await startPaused(
        trainArgsOn(backend, method, ws, out),
        AFTER_STEP_3,
        ws.path(`pause-${backend}-${method}`),
      );
      run.kill('SIGINT');
      run.proceed();
      const result = await run.done;
      assert.equal(result.code, 130, result.stderr);
      assert.match(assertOneLineFailure(result, `SIGINT (${method})`), INTERRUPTED_AT_3);
      assert.equal(result.stdout, '');
      assert.deepEqual(readdirSync(join(out, 'checkpoints')), ['checkpoint-3']);
      assert.ok(!existsSync(join(out, 'results.json')));
      await resumeMatches(method, out, backend);
    });
  }
}

for (const [signal, code, said] of [
  ['SIGINT', 130, 'Ctrl-C'],
  ['SIGTERM', 143, 'SIGTERM'],
] as const) {
  test(`a second ${signal} stops at once with one line and ${code}; the checkpoint saved before it resumes`, async () => {
    const ws = fixture.ws;
    const out = ws.path(`interrupted-twice-${signal}`);
    const run = await startPaused(trainArgs('full', ws, out), AFTER_STEP_3, ws.path(`pause-twice-${signal}`));
    run.kill(signal);
    await new Promise((r) => setTimeout(r, 150));
    run.kill(signal);
    await new Promise((r) => setTimeout(r, 150));
    run.proceed();
    const result = await run.done;
    assert.equal(result.code, code, result.stderr);
    assert.match(
      assertOneLineFailure(result, `second ${signal}`),
      new RegExp(`^lora-lab: Stopped at once by a second ${said};`),
    );
    await resumeMatches('full', out);
  });
}

test('SIGTERM (a service manager or `kill`) stops like Ctrl-C: a checkpoint, one line, 143; --resume matches', async () => {
  const ws = fixture.ws;
  const out = ws.path('terminated');
  const run = await startPaused(trainArgs('lora', ws, out), AFTER_STEP_3, ws.path('pause-term'));
  run.kill('SIGTERM');
  run.proceed();
  const result = await run.done;
  assert.equal(result.code, 143, result.stderr);
  assert.match(assertOneLineFailure(result, 'SIGTERM'), INTERRUPTED_AT_3);
  assert.deepEqual(readdirSync(join(out, 'checkpoints')), ['checkpoint-3']);
  await resumeMatches('lora', out);
});
