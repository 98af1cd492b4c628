import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (tests/robustness/helpers → ../../..). */
export const ROOT = resolve(fileURLToPath(new URL('../../..', import.meta.url)));

/**
 * The CLI from its TypeScript sources (through tsx), so that these tests never run a stale dist/.
 * `pause` preloads the hook of pause-hook.ts (to pause the child, or to record its renames).
 */
export function cliArgs(args: readonly string[], options: { pause?: boolean } = {}): string[] {
  return [
    '--import',
    'tsx',
    ...(options.pause ? ['--import', join(ROOT, 'tests/robustness/helpers/pause-hook.ts')] : []),
    join(ROOT, 'src/cli/main.ts'),
    ...args,
  ];
}

export interface CliOptions {
  env?: Record<string, string>;
  cwd?: string;
  pause?: boolean;
  /** A file to which the child appends the target of every rename it makes (see pause-hook.ts). */
  recordRenames?: string;
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts `lora-lab <args>` as a child process; stdout and stderr are collected into the result. */
export function startCli(
  args: readonly string[],
  options: CliOptions = {},
): { child: ChildProcess; done: Promise<CliResult> } {
  const hooked = options.pause === true || options.recordRenames !== undefined;
  const child = spawn(process.execPath, cliArgs(args, { pause: hooked }), {
    cwd: options.cwd ?? ROOT,
    env: {
      ...process.env,
      // No colours, no terminal: what a log or a pipe gets. No CI-only or debug behaviour.
      NO_COLOR: '1',
      FORCE_COLOR: '0',
      LORA_LAB_DEBUG: '',
      LORA_LAB_THREADS: '1',
      // With more than one thread (--threads), every kernel job goes through all of them, however
      // small: the tiny test models then exercise the threads' scheduling as a real model does.
      LORA_LAB_PARALLEL_MIN_NS: '0',
      ...(options.recordRenames ? { LORA_LAB_TEST_RENAMES: options.recordRenames } : {}),
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const done = new Promise<CliResult>((resolvePromise, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolvePromise({ code, signal, stdout, stderr }));
  });
  return { child, done };
}

export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  return startCli(args, options).done;
}

/** Runs `jobs` with at most `limit` at a time, results in order. */
export async function inParallel<T>(jobs: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
  return results;
}

/** Waits until `path` exists (polling), failing after `timeoutMs`. */
export async function waitForFile(path: string, timeoutMs = 30_000, exited?: () => boolean): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!existsSync(path)) {
    if (exited?.()) throw new Error(`the process ended before ${path} appeared`);
    if (Date.now() > until) throw new Error(`${path} did not appear within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * The failure contract of every command: a non-zero exit code, exactly one line on stderr that starts
 * with "lora-lab:" (ours) or "error:" (commander's flag checks), and no stack frames.
 */
export function assertOneLineFailure(result: CliResult, label: string): string {
  const context = `${label}\n--- exit code ${result.code}, signal ${result.signal}; stderr:\n${result.stderr}--- stdout:\n${result.stdout}`;
  assert.equal(result.signal, null, `killed by a signal: ${context}`);
  assert.notEqual(result.code, 0, `exit code 0: ${context}`);
  assert.ok(!/^\s+at /m.test(result.stderr), `stack frames on stderr: ${context}`);
  const lines = result.stderr.split('\n');
  assert.equal(lines.at(-1), '', `stderr does not end with a line break: ${context}`);
  assert.equal(lines.length, 2, `not exactly one line on stderr: ${context}`);
  assert.match(
    lines[0],
    /^(lora-lab|error): \S/,
    `the line starts neither with "lora-lab:" nor "error:": ${context}`,
  );
  assert.doesNotMatch(
    lines[0],
    /internal error/,
    `an internal error (a bug) instead of a user error: ${context}`,
  );
  return lines[0];
}

/** Every file under `dir`, relative, sorted ([] when it does not exist). */
export function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (sub: string): void => {
    for (const entry of readdirSync(join(dir, sub), { withFileTypes: true })) {
      const rel = sub ? `${sub}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(rel);
      out.push(entry.isDirectory() ? `${rel}/` : rel);
    }
  };
  walk('');
  return out.sort();
}
