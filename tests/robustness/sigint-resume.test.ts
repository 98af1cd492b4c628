import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { tinyWorkspace, type TinyWorkspace } from '../helpers/tiny-model.js';
import { assertOneLineFailure, runCli } from './helpers/cli.js';
import { assertSameRun, startPaused, trainArgs } from './helpers/train-runs.js';

/**
 * Ctrl-C (SIGINT) or SIGTERM during training: the run checkpoints at the next step boundary, prints one line,
 * exits with 130 (143 for SIGTERM), and `--resume` finishes with the bytes of an uninterrupted run. The signal arrives
 * while the process is busy in a step (held there by helpers/pause-hook.ts), as it would in a long one.
 */

let ws: TinyWorkspace;
let reference = '';

before(async () => {
  ws = await tinyWorkspace('lora-lab-sigint-');
  reference = ws.path('uninterrupted');
  const result = await runCli(trainArgs('full', ws, reference));
  assert.equal(result.code, 0, result.stderr);
});
after(() => ws?.cleanup());

const AFTER_STEP_3 = { on: 'rename', match: '/checkpoints/checkpoint-3$' } as const;

test('SIGINT: a checkpoint, one line, exit code 130; --resume finishes with the uninterrupted result', async () => {
  const out = ws.path('interrupted');
  const run = await startPaused(trainArgs('full', ws, out), AFTER_STEP_3, ws.path('pause-1'));
  run.kill('SIGINT');
  run.proceed();
  const result = await run.done;
  assert.equal(result.code, 130, result.stderr);
  const line = assertOneLineFailure(result, 'SIGINT');
  assert.match(
    line,
    /^lora-lab: Training was interrupted at step 3; its state is saved in \S+checkpoint-3, and the same command with --resume continues from there\.$/,
  );
  assert.equal(result.stdout, '');
  assert.deepEqual(readdirSync(join(out, 'checkpoints')), ['checkpoint-3']);
  assert.ok(!existsSync(join(out, 'results.json')));

  const resumed = await runCli(trainArgs('full', ws, out, '--resume'));
  assert.equal(resumed.code, 0, resumed.stderr);
  assertSameRun(reference, out, 'full');
});

for (const [signal, code, said] of [
  ['SIGINT', 130, 'Ctrl-C'],
  ['SIGTERM', 143, 'SIGTERM'],
] as const) {
  test(`a second ${signal} stops at once with one line and ${code}; the checkpoint saved before it resumes`, async () => {
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

    const resumed = await runCli(trainArgs('full', ws, out, '--resume'));
    assert.equal(resumed.code, 0, resumed.stderr);
    assertSameRun(reference, out, 'full');
  });
}

test('SIGINT with the WebAssembly kernels on two threads: the process still ends, with 130', async () => {
  const out = ws.path('interrupted-wasm');
  const args = trainArgs('full', ws, out).map((a, i, all) =>
    all[i - 1] === '--backend' ? 'wasm' : all[i - 1] === '--threads' ? '2' : a,
  );
  const run = await startPaused(args, AFTER_STEP_3, ws.path('pause-3'));
  run.kill('SIGINT');
  run.proceed();
  const result = await run.done;
  assert.equal(result.code, 130, result.stderr);
  assert.match(assertOneLineFailure(result, 'SIGINT (wasm)'), /interrupted at step 3/);
});

test('SIGTERM (a service manager or `kill`) stops like Ctrl-C: a checkpoint, one line, 143; --resume matches', async () => {
  const out = ws.path('terminated');
  const run = await startPaused(trainArgs('lora', ws, out), AFTER_STEP_3, ws.path('pause-4'));
  run.kill('SIGTERM');
  run.proceed();
  const result = await run.done;
  assert.equal(result.code, 143, result.stderr);
  assert.match(
    assertOneLineFailure(result, 'SIGTERM'),
    /^lora-lab: Training was interrupted at step 3; its state is saved in \S+checkpoint-3, and the same command with --resume continues from there\.$/,
  );
  assert.deepEqual(readdirSync(join(out, 'checkpoints')), ['checkpoint-3']);

  const resumed = await runCli(trainArgs('lora', ws, out, '--resume'));
  assert.equal(resumed.code, 0, resumed.stderr);
  const uninterrupted = ws.path('uninterrupted-lora');
  const whole = await runCli(trainArgs('lora', ws, uninterrupted));
  assert.equal(whole.code, 0, whole.stderr);
  assertSameRun(uninterrupted, out, 'lora');
});
