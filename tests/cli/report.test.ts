import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { registerReport } from '../../src/cli/report.js';
import { UserError } from '../../src/errors.js';
import { FAKE_ANCHORS, writeFakeRuns } from '../report/fake-runs.js';

function program(): Command {
  const p = new Command().exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  registerReport(p);
  return p;
}

async function capture(body: () => Promise<unknown>): Promise<string> {
  const original = process.stdout.write.bind(process.stdout);
  let text = '';
  // Strings are the command's; the test runner's own messages (bytes) pass through.
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
    if (typeof chunk !== 'string') return original(chunk, ...rest);
    text += chunk;
    return true;
  }) as typeof process.stdout.write;
  try {
    await body();
  } finally {
    process.stdout.write = original;
  }
  return text;
}

test('report --runs writes the report beside the runs and lists the files', async () => {
  const root = mkdtempSync(join(tmpdir(), 'lora-lab-cli-report-'));
  try {
    writeFakeRuns(root, { scratch: [7], full: [7], lora: [7] });
    const printed = await capture(() =>
      program().parseAsync(['node', 'lora-lab', 'report', '--runs', root, '--no-anchors']),
    );
    assert.match(printed, /^Wrote 12 files:\n/);
    assert.match(printed, /report\.html/);
    for (const name of ['comparison.md', 'comparison.json', 'report.html', 'f1.png', 'confusion_lora.png']) {
      assert.ok(existsSync(join(root, name)), name);
    }
    const md = readFileSync(join(root, 'comparison.md'), 'utf8');
    assert.match(md, /Each model was run once/);
    assert.doesNotMatch(
      md
        .split('## Charts')[0]!
        .split('\n')
        .filter((l) => l.startsWith('| '))
        .join('\n'),
      /±/,
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('report without --runs is a usage error, and an empty folder a UserError', async () => {
  await assert.rejects(program().parseAsync(['node', 'lora-lab', 'report']), CommanderError);
  const root = mkdtempSync(join(tmpdir(), 'lora-lab-cli-report-'));
  try {
    mkdirSync(join(root, 'nothing'));
    await assert.rejects(
      program().parseAsync(['node', 'lora-lab', 'report', '--runs', root, '--output-dir', join(root, 'out')]),
      (e: unknown) => e instanceof UserError && e.message.includes(root),
    );
    assert.ok(!existsSync(join(root, 'out')));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('report compares with the shared PyTorch reference by default, and not with --no-anchors', async () => {
  const root = mkdtempSync(join(tmpdir(), 'lora-lab-cli-report-anchors-'));
  const shared = mkdtempSync(join(tmpdir(), 'lora-lab-cli-report-shared-'));
  const previous = process.env.LORA_LAB_SHARED;
  try {
    mkdirSync(join(shared, 'anchors'));
    writeFileSync(join(shared, 'anchors', 'pytorch_reference.json'), JSON.stringify(FAKE_ANCHORS));
    process.env.LORA_LAB_SHARED = shared;
    writeFakeRuns(root, { scratch: [7], full: [7], lora: [7] });
    await capture(() => program().parseAsync(['node', 'lora-lab', 'report', '--runs', root]));
    assert.match(readFileSync(join(root, 'comparison.md'), 'utf8'), /## Against the PyTorch reference/);
    await capture(() => program().parseAsync(['node', 'lora-lab', 'report', '--runs', root, '--no-anchors']));
    assert.doesNotMatch(
      readFileSync(join(root, 'comparison.md'), 'utf8'),
      /## Against the PyTorch reference/,
    );
  } finally {
    if (previous === undefined) delete process.env.LORA_LAB_SHARED;
    else process.env.LORA_LAB_SHARED = previous;
    rmSync(root, { recursive: true, force: true });
    rmSync(shared, { recursive: true, force: true });
  }
});
