import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../../src/errors.js';
import { runExperiments, type ExperimentsOptions } from '../../src/experiments/runner.js';
import { atMostAtOnce, trainOnWorker } from '../../src/experiments/runs-at-once.js';
import type { RunWorkerData } from '../../src/experiments/run-worker.js';
import { DEFAULT_SCRATCH_SHAPE, runTraining } from '../../src/experiments/train-run.js';
import type { RunResults } from '../../src/train/results.js';
import { tinyStudyInputs } from '../helpers/tiny-model.js';
import { missingPrerequisite } from '../helpers/prerequisite.js';
import { useKernels } from '../../src/kernels/active.js';
import { createNativeKernels, nativeKernelsBuilt, type Kernels } from '../../src/kernels/index.js';

let root = '';
let base: ExperimentsOptions;
before(async () => {
  root = mkdtempSync(join(tmpdir(), 'lora-lab-runs-at-once-'));
  base = {
    ...(await tinyStudyInputs(root)),
    outputDir: '',
    preset: 'tuned',
    seeds: 1,
    methods: ['full', 'lora'],
    maxSteps: 6,
  };
});
after(() => rmSync(root, { recursive: true, force: true }));

/** What a run computed, without its timings and its thread count. */
function computed(dir: string, method: string): unknown {
  const r = JSON.parse(
    readFileSync(join(dir, 'runs', method, 'seed-42', 'results.json'), 'utf8'),
  ) as RunResults;
  return { history: r.history.map((h) => ({ ...h, seconds: 0 })), test: r.test, best: r.best_epoch };
}

test('two runs at once on worker threads compute what one after the other computes, bit for bit', async (t) => {
  // The workers compute on the study's backend: native where it was built (CI builds it), whose runs
  // also take over the threads a finished run leaves.
  let previous: Kernels | null = null;
  if (nativeKernelsBuilt()) previous = useKernels(createNativeKernels({ threads: 1 }));
  else t.diagnostic('the native kernels are not built here: the runs compute on the reference kernels');
  t.after(() => {
    if (previous) useKernels(previous).dispose();
  });
  const one = join(root, 'one');
  const two = join(root, 'two');
  await runExperiments({ ...base, outputDir: one, threads: 1, jobs: 1 });
  const lines: string[] = [];
  const updates: { done: number; total: number; status: string; work: { done: number; total: number } }[] =
    [];
  const outcome = await runExperiments({
    ...base,
    outputDir: two,
    threads: 2,
    jobs: 2,
    log: (line) => lines.push(line),
    onStudyProgress: (u) => updates.push(u),
  });
  for (const method of ['full', 'lora'])
    assert.deepEqual(computed(two, method), computed(one, method), method);
  assert.deepEqual(
    outcome.runs.map((r) => r.method),
    ['full', 'lora'],
    'results in plan order',
  );
  assert.ok(lines.includes('training 2 runs, 2 at a time on 1 thread each'), lines.join('\n'));
  assert.ok(
    lines.some((l) => /^lora, seed 42: test: accuracy/.test(l)),
    lines.join('\n'),
  );
  assert.ok(
    lines.some((l) => /^full, seed 42: test: accuracy/.test(l)),
    lines.join('\n'),
  );
  // The run that finishes first leaves its thread to the other, unless that one ends before it hears
  // of it (the next test checks the hand-over itself).
  const handOvers = lines.filter((l) => / now on 2 threads \(a run finished\)$/.test(l)).length;
  assert.ok(handOvers <= (previous ? 1 : 0), lines.join('\n'));
  const { work, ...last } = updates[updates.length - 1];
  assert.deepEqual(last, { done: 12, total: 12, status: '' });
  assert.equal(work.done, work.total);
  // The time left weighs full steps (three products a weight) above LoRA's (two): some update's share
  // of the work differs from its share of the steps.
  assert.ok(
    updates.some((u) => Math.abs(u.work.done / u.work.total - u.done / u.total) > 0.01),
    JSON.stringify(updates),
  );
  assert.match(readFileSync(join(two, 'comparison.md'), 'utf8'), /LoRA/);
});

test('a run told to take more threads does so from its next step, with the same results', async (t) => {
  if (!nativeKernelsBuilt()) {
    missingPrerequisite(t, 'the native kernels are not built: only they change their thread count mid-run');
    return;
  }
  const previous = useKernels(createNativeKernels({ threads: 1 }));
  t.after(() => useKernels(previous).dispose());
  const options = (outputDir: string): RunWorkerData['options'] => ({
    method: 'lora',
    dataDir: join(root, 'one', 'data'),
    outputDir,
    baseModel: base.baseModel.path,
    epochs: 2,
    batchSize: 8,
    lr: 1e-3,
    maxLen: 64,
    weightDecay: 0,
    schedule: 'linear',
    warmupRatio: 0,
    seed: 7,
    maxSteps: 10,
    lora: { r: 4, alpha: 8, dropout: 0.1, targets: null },
    scratch: DEFAULT_SCRATCH_SHAPE,
  });
  const alone = await runTraining(options(join(root, 'alone')));
  const lines: string[] = [];
  const worker = trainOnWorker(
    { options: { ...options(join(root, 'handed')), threads: 1 }, backend: 'native' },
    { log: (line) => lines.push(line), onProgress: () => {} },
  );
  // Queued until the worker listens, then handled between its first steps.
  worker.useThreads(2);
  const handed = await worker.results;
  assert.ok(lines.includes('now on 2 threads (a run finished)'), lines.join('\n'));
  const strip = (r: RunResults) => ({ history: r.history.map((h) => ({ ...h, seconds: 0 })), test: r.test });
  assert.deepEqual(strip(handed), strip(alone));
});

test('a run failing on its worker thread fails the study with its own sentence', async () => {
  const options = { ...base, outputDir: join(root, 'bad'), gradientAccumulationSteps: 1000 };
  let alone: unknown;
  await runExperiments({ ...options, threads: 1, jobs: 1 }).catch((e: unknown) => (alone = e));
  assert.ok(alone instanceof UserError);
  await assert.rejects(
    runExperiments({ ...options, threads: 2, jobs: 2 }),
    (e: unknown) => e instanceof UserError && e.message === (alone as UserError).message,
  );
});

test('atMostAtOnce keeps to its limit, returns results in task order, and stops the rest on a failure', async () => {
  let running = 0;
  let most = 0;
  const task = (value: number, ms: number) => async () => {
    running++;
    most = Math.max(most, running);
    await new Promise((r) => setTimeout(r, ms));
    running--;
    return value;
  };
  assert.deepEqual(await atMostAtOnce([task(1, 30), task(2, 5), task(3, 10), task(4, 1)], 2), [1, 2, 3, 4]);
  assert.equal(most, 2);

  const seen: string[] = [];
  const failing = async () => {
    await new Promise((r) => setTimeout(r, 5));
    throw new UserError('the first failure');
  };
  const waitsForStop = async (signal: AbortSignal) => {
    await new Promise<void>((r) => signal.addEventListener('abort', () => r(), { once: true }));
    seen.push('stopped');
    throw new Error('stopped');
  };
  const never = async () => {
    seen.push('started');
    return 0;
  };
  await assert.rejects(atMostAtOnce([waitsForStop, failing, never], 2), /the first failure/);
  assert.deepEqual(seen, ['stopped'], 'the running task was stopped and the waiting one never started');
});
