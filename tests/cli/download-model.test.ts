import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerDownloadModel } from '../../src/cli/download-model.js';
import { UserError } from '../../src/errors.js';
import { serializeSafetensors } from '../../src/io/safetensors.js';
import { startFakeHub } from '../io/helpers/fake-hub.js';
import { runCommand } from './run-command.js';

/** Runs `lora-lab <args>` in process and returns what it wrote to stdout and stderr. */
function run(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return runCommand(registerDownloadModel, args);
}

const repo = {
  'config.json': { data: Buffer.from('{"model_type":"bert"}') },
  'model.safetensors': {
    data: serializeSafetensors(new Map([['w', { shape: [1], data: Float32Array.from([1]) }]])),
  },
  'vocab.txt': { data: Buffer.from('[PAD]\n[UNK]\n') },
};

test('download-model fetches a repo, reports each file, and prints a summary', async () => {
  const hub = await startFakeHub({ 'prajjwal1/bert-tiny': repo });
  const dir = mkdtempSync(join(tmpdir(), 'lora-lab-cli-'));
  try {
    const to = join(dir, 'bert-tiny');
    const { stdout, stderr } = await run([
      'download-model',
      'prajjwal1/bert-tiny',
      '--to',
      to,
      '--endpoint',
      hub.endpoint,
    ]);
    assert.deepEqual(readdirSync(to).sort(), ['config.json', 'model.safetensors', 'vocab.txt']);
    assert.match(
      stdout,
      /^Downloaded prajjwal1\/bert-tiny to .*bert-tiny: config\.json, model\.safetensors, vocab\.txt \(\d+ B\)\.\n$/,
    );
    // Not a terminal here: plain lines, one per finished file.
    assert.match(stderr, /\[1\/3\] config\.json: \d+ B done\n/);
    assert.match(stderr, /\[3\/3\] vocab\.txt: \d+ B done\n/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await hub.close();
  }
});

test('download-model --quiet prints nothing, and a missing repo is a UserError for the CLI to report', async () => {
  const hub = await startFakeHub({ 'prajjwal1/bert-tiny': repo });
  const dir = mkdtempSync(join(tmpdir(), 'lora-lab-cli-'));
  try {
    const quiet = await run([
      'download-model',
      'prajjwal1/bert-tiny',
      '--to',
      dir,
      '--endpoint',
      hub.endpoint,
      '--quiet',
    ]);
    assert.deepEqual(quiet, { stdout: '', stderr: '' });
    assert.equal(readdirSync(dir).length, 3);
    await assert.rejects(
      run([
        'download-model',
        'nobody/nothing',
        '--to',
        join(dir, 'x'),
        '--endpoint',
        hub.endpoint,
        '--quiet',
      ]),
      (e: unknown) => e instanceof UserError && /^Repository nobody\/nothing was not found/.test(e.message),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await hub.close();
  }
});
