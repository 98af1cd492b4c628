import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { tinyWorkspace, type TinyWorkspace } from '../../helpers/tiny-model.js';
import { runCli, startCli, waitForFile, type CliOptions, type CliResult } from './cli.js';

/** The backends whose resumed runs are checked against uninterrupted ones: the browser's and Node's. */
export const RESUME_BACKENDS = ['wasm', 'native'] as const;
export type ResumeBackend = (typeof RESUME_BACKENDS)[number];

/**
 * `lora-lab train` on the tiny model and data: 40 examples in batches of 4 (10 steps an epoch), two
 * epochs, a checkpoint every 3 steps, on two threads of `backend`'s kernels (through
 * LORA_LAB_PARALLEL_MIN_NS=0 from cli.ts, every kernel job on both), so that bit-for-bit resume is shown
 * where thread scheduling could break it.
 */
export function trainArgsOn(
  backend: ResumeBackend,
  method: 'full' | 'lora',
  ws: { data: string; model: string },
  outputDir: string,
  ...more: string[]
): string[] {
  return [
    'train',
    '--method',
    method,
    '--data-dir',
    ws.data,
    '--base-model',
    ws.model,
    '--output-dir',
    outputDir,
    '--epochs',
    '2',
    '--batch-size',
    '4',
    '--save-steps',
    '3',
    '--threads',
    '2',
    '--quiet',
    '--seed',
    '7',
    '--max-len',
    '32',
    '--backend',
    backend,
    ...more,
  ];
}

/** trainArgsOn the WebAssembly kernels: the browser's, and Node's where the addon cannot be built. */
export function trainArgs(
  method: 'full' | 'lora',
  ws: { data: string; model: string },
  outputDir: string,
  ...more: string[]
): string[] {
  return trainArgsOn('wasm', method, ws, outputDir, ...more);
}

export interface ResumeFixture {
  /** The tiny model and data, made before the file's tests and removed after them. */
  readonly ws: TinyWorkspace;
  /** The output folder of the uninterrupted run that a resumed one must match byte for byte. */
  reference(method: 'full' | 'lora', backend: ResumeBackend): string;
}

/** Registers the file's before/after hooks: the workspace and every backend's and method's uninterrupted run, side by side. */
export function resumeFixture(prefix: string): ResumeFixture {
  let ws: TinyWorkspace | undefined;
  const runs = new Map<string, string>();
  before(async () => {
    ws = await tinyWorkspace(prefix);
    const made = ws;
    await Promise.all(
      RESUME_BACKENDS.flatMap((backend) =>
        (['full', 'lora'] as const).map(async (method) => {
          const out = made.path(`uninterrupted-${backend}-${method}`);
          const result = await runCli(trainArgsOn(backend, method, made, out));
          assert.equal(result.code, 0, result.stderr);
          const results = readResults(out);
          assert.equal(results.threads, 2, 'the uninterrupted run did not compute on two threads');
          assert.equal(
            results.kernels?.backend,
            backend,
            `the uninterrupted run did not compute on ${backend}`,
          );
          runs.set(`${backend}/${method}`, out);
        }),
      ),
    );
  });
  after(() => ws?.cleanup());
  return {
    get ws() {
      assert.ok(ws, 'the workspace is made before the tests');
      return ws;
    },
    reference(method, backend) {
      const out = runs.get(`${backend}/${method}`);
      assert.ok(out, `no uninterrupted ${method} run on ${backend}`);
      return out;
    },
  };
}

export interface PauseAt {
  on: 'rename' | 'write';
  /** Regular expression on the path (forward slashes). */
  match: string;
}

/**
 * Starts the CLI with the pause hook and waits until it has paused at `at`; the caller then signals
 * it. `proceed()` lets a paused (not killed) process continue.
 */
export async function startPaused(
  args: string[],
  at: PauseAt,
  marker: string,
  options: CliOptions = {},
): Promise<{
  pid: number;
  kill: (signal: NodeJS.Signals) => void;
  proceed: () => void;
  done: Promise<CliResult>;
}> {
  const { child, done } = startCli(args, {
    ...options,
    pause: true,
    env: { ...options.env, LORA_LAB_TEST_PAUSE: JSON.stringify({ ...at, marker }) },
  });
  let exited = false;
  void done.then(() => (exited = true));
  try {
    await waitForFile(marker, 60_000, () => exited);
  } catch (error) {
    const result = await Promise.race([done, new Promise<null>((r) => setTimeout(() => r(null), 100))]);
    throw new Error(`${(error as Error).message}; stderr: ${result?.stderr ?? '(still running)'}`);
  }
  return {
    pid: child.pid!,
    kill: (signal) => void child.kill(signal),
    proceed: () => void import('node:fs').then((fs) => fs.writeFileSync(`${marker}.go`, '')),
    done,
  };
}

interface Results {
  test: unknown;
  history: { seconds: number }[];
  best_epoch: number;
  trainable_params: number;
  config: Record<string, unknown>;
  threads?: number;
  kernels?: { backend: string };
}

export function readResults(dir: string): Results {
  return JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as Results;
}

/**
 * Two finished runs of the same settings agree bit for bit: the saved model (or adapter) bytes, the
 * test metrics, every epoch's loss and validation metrics (all but the timings).
 */
export function assertSameRun(expectedDir: string, actualDir: string, method: 'full' | 'lora'): void {
  const files =
    method === 'lora'
      ? ['adapter/adapter_model.safetensors', 'adapter/adapter_config.json']
      : ['model/model.safetensors', 'model/config.json'];
  for (const file of files) {
    assert.ok(existsSync(join(actualDir, file)), `${file} is missing from ${actualDir}`);
    const same = readFileSync(join(expectedDir, file)).equals(readFileSync(join(actualDir, file)));
    assert.ok(same, `${file} differs from the uninterrupted run's`);
  }
  const expected = readResults(expectedDir);
  const actual = readResults(actualDir);
  assert.deepEqual(actual.test, expected.test);
  const untimed = (r: Results) => r.history.map(({ seconds: _, ...rest }) => rest);
  assert.deepEqual(untimed(actual), untimed(expected));
  assert.equal(actual.best_epoch, expected.best_epoch);
  assert.equal(actual.trainable_params, expected.trainable_params);
  assert.equal(actual.threads, expected.threads);
  // The same settings; the data folder may sit elsewhere.
  const settings = (r: Results) => ({ ...r.config, data_dir: undefined });
  assert.deepEqual(settings(actual), settings(expected));
}

/**
 * The steps of the checkpoints a process completed, in order, from its rename log (CliOptions.recordRenames):
 * a resumed run's first is the step after the one it resumed from.
 */
export function checkpointsWritten(renameLog: string): number[] {
  if (!existsSync(renameLog)) return [];
  return readFileSync(renameLog, 'utf8')
    .split('\n')
    .map((line) => /\/checkpoints\/checkpoint-(\d+)$/.exec(line))
    .filter((m) => m !== null)
    .map((m) => Number(m[1]));
}
