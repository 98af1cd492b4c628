import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerDownloadModel } from '../../src/cli/download-model.js';
import { UserError } from '../../src/errors.js';
import { serializeSafetensors } from '../../src/io/safetensors.js';
import { startFakeHub } from '../io/helpers/fake-hub.js';
import { closedPort } from '../helpers/closed-port.js';
import { writeTinyModel } from '../helpers/tiny-model.js';
import { withEnv } from '../helpers/env.js';
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

test('download-model prajjwal1/bert-tiny without a network copies the shared bert-tiny-mlm, in one line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lora-lab-cli-'));
  const offline = `http://127.0.0.1:${await closedPort()}`;
  try {
    const shared = join(dir, 'shared');
    const standIn = await writeTinyModel(join(shared, 'models', 'bert-tiny-mlm'));
    const to = join(dir, 'models', 'bert-tiny');
    const { stdout } = await withEnv({ LORA_LAB_SHARED: shared, HF_ENDPOINT: offline }, () =>
      run(['download-model', 'prajjwal1/bert-tiny', '--to', to]),
    );
    assert.equal(
      stdout,
      `Could not reach ${offline} (connect ECONNREFUSED ${offline.slice(7)}); copied the shared stand-in for prajjwal1/bert-tiny, ${standIn} (bert-tiny-mlm, less pre-trained), to ${to} instead.\n`,
    );
    // What a download brings: the config, the weights, the tokenizer files, byte for byte.
    const copied = readdirSync(to).sort();
    assert.ok(copied.includes('config.json') && copied.includes('model.safetensors'), copied.join(', '));
    assert.ok(copied.includes('vocab.txt') || copied.includes('tokenizer.json'), copied.join(', '));
    for (const name of copied)
      assert.ok(readFileSync(join(to, name)).equals(readFileSync(join(standIn, name))), name);

    // Another repository has no stand-in: the network failure stands, and nothing is written.
    await withEnv({ LORA_LAB_SHARED: shared, HF_ENDPOINT: offline }, () =>
      assert.rejects(run(['download-model', 'google-bert/bert-base-uncased', '--to', join(dir, 'base')]), {
        name: 'SourceUnreachable',
        message: /^Could not reach http:\/\/127\.0\.0\.1:\d+ \(connect ECONNREFUSED [\d.:]+\)\.$/,
      }),
    );
    assert.ok(!existsSync(join(dir, 'base')));

    // No shared copy either: one sentence that says both.
    await withEnv({ LORA_LAB_SHARED: join(dir, 'none'), HF_ENDPOINT: offline }, () =>
      assert.rejects(run(['download-model', 'prajjwal1/bert-tiny', '--to', join(dir, 'x'), '--quiet']), {
        name: 'UserError',
        message: new RegExp(
          `^Could not reach ${offline.replace(/\./g, '\\.')} \\(.*ECONNREFUSED.*\\), and there is no shared copy at ${join(dir, 'none', 'models', 'bert-tiny-mlm')} to fall back on; check the network, or set LORA_LAB_SHARED to a folder that has one\\.$`,
        ),
      }),
    );
    assert.ok(!existsSync(join(dir, 'x')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
