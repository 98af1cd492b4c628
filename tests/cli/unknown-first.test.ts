import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Command } from 'commander';
import { createProgram, runCli } from '../../src/cli/run.js';

/** Runs the CLI in process; commander writes its messages to stdout and stderr, collected here. */
async function inProcess(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string | Uint8Array) => ((stdout += String(chunk)), true)) as typeof out;
  process.stderr.write = ((chunk: string | Uint8Array) => ((stderr += String(chunk)), true)) as typeof err;
  try {
    return { code: await runCli(['node', 'lora-lab', ...args]), stdout, stderr };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
}

test('a mistyped flag is reported before the missing required options, with the suggestion', async () => {
  const r = await inProcess(['train', '--method', 'lora', '--data-dir', 'd', '--epoch', '3']);
  assert.equal(r.code, 2);
  assert.equal(
    r.stderr,
    "error: unknown option '--epoch' (Did you mean --epochs?) (run with --help for usage)\n",
  );
});

test('without a mistyped flag, the missing required option is still reported', async () => {
  const r = await inProcess(['train', '--method', 'lora', '--data-dir', 'd', '--epochs', '3']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^error: required option '--output-dir <dir>' not specified/);
});

test('--help next to a mistyped flag still shows the help', async () => {
  const r = await inProcess(['train', '--epoch', '3', '--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^Usage: lora-lab train/);
});

test('every command with required options reports an unknown flag first', async () => {
  const leaves = (c: Command, path: string[] = []): [string[], Command][] =>
    c.commands.flatMap((sub) =>
      sub.commands.length > 0 ? leaves(sub, [...path, sub.name()]) : [[[...path, sub.name()], sub]],
    );
  const withRequired = leaves(createProgram()).filter(([, c]) => c.options.some((o) => o.mandatory));
  assert.ok(withRequired.length >= 4, `only ${withRequired.length} commands have required options`);
  for (const [path] of withRequired) {
    const r = await inProcess([...path, '--no-such-flag']);
    assert.match(r.stderr, /^error: unknown option '--no-such-flag'/, path.join(' '));
  }
});
