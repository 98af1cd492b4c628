import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../../src/errors.js';
import { downloadModel, type DownloadProgress } from '../../src/io/hub-download.js';
import { readSafetensors, serializeSafetensors } from '../../src/io/safetensors.js';
import { readPytorchBin } from '../../src/io/pytorch-pickle.js';
import { startFakeHub, type FakeFile } from './helpers/fake-hub.js';
import { f32Bytes, torchZip } from './helpers/torch-fixture.js';

const text = (s: string): FakeFile => ({ data: Buffer.from(s) });
const config = text(JSON.stringify({ model_type: 'bert', hidden_size: 4 }));
const vocab = text('[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\n');
const safetensors = (): FakeFile => ({
  data: serializeSafetensors(new Map([['w', { shape: [2, 2], data: Float32Array.from([1, 2, 3, 4]) }]]), {
    format: 'pt',
  }),
  redirect: true,
});
const bin = (): FakeFile => ({
  data: torchZip([{ name: 'w', key: '0', storageNumel: 4, shape: [2, 2] }], { '0': f32Bytes([1, 2, 3, 4]) }),
});

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'lora-lab-hub-'));
}

async function rejectsWith(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof UserError, `expected a UserError, got ${String(error)}`);
    assert.match(error.message, pattern);
    return true;
  });
}

test('downloads config, safetensors (through a redirect) and the tokenizer files the repo has', async () => {
  const hub = await startFakeHub({
    'org/tiny': {
      'config.json': config,
      'model.safetensors': safetensors(),
      'pytorch_model.bin': bin(),
      'vocab.txt': vocab,
      'tokenizer_config.json': text('{"do_lower_case": true}'),
      'README.md': text('# tiny'),
    },
  });
  const dir = tempDir();
  try {
    const events: DownloadProgress[] = [];
    const result = await downloadModel('org/tiny', {
      to: join(dir, 'tiny'),
      endpoint: hub.endpoint,
      onProgress: (p) => events.push(p),
    });
    assert.deepEqual(
      result.files.map((f) => f.name),
      ['config.json', 'model.safetensors', 'vocab.txt', 'tokenizer_config.json'],
    );
    assert.deepEqual(readdirSync(join(dir, 'tiny')).sort(), [
      'config.json',
      'model.safetensors',
      'tokenizer_config.json',
      'vocab.txt',
    ]);
    assert.deepEqual(
      [...readSafetensors(join(dir, 'tiny', 'model.safetensors')).tensors.get('w')!.data],
      [1, 2, 3, 4],
    );
    assert.equal(readFileSync(join(dir, 'tiny', 'vocab.txt'), 'utf8'), Buffer.from(vocab.data).toString());
    assert.ok(
      !hub.requests.some((r) => r.includes('pytorch_model.bin')),
      'the .bin is not fetched when safetensors exists',
    );
    assert.ok(hub.requests.includes('GET /cdn/org/tiny/model.safetensors'), 'the redirect was followed');
    const last = events.filter((e) => e.done);
    assert.equal(last.length, 4);
    assert.deepEqual(
      last.map((e) => [e.fileIndex, e.fileCount, e.received === e.total]),
      [
        [0, 4, true],
        [1, 4, true],
        [2, 4, true],
        [3, 4, true],
      ],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await hub.close();
  }
});

test("a byte-level BPE repository (RoBERTa's vocab.json and merges.txt, no tokenizer.json) downloads whole", async () => {
  const hub = await startFakeHub({
    'org/roberta-like': {
      'config.json': text(JSON.stringify({ model_type: 'roberta' })),
      'model.safetensors': safetensors(),
      'vocab.json': text('{"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3, "a": 4}'),
      'merges.txt': text('#version: 0.2\n'),
    },
    'org/no-tokenizer': {
      'config.json': text(JSON.stringify({ model_type: 'roberta' })),
      'model.safetensors': safetensors(),
      'vocab.json': text('{}'),
    },
  });
  const dir = tempDir();
  try {
    const result = await downloadModel('org/roberta-like', { to: join(dir, 'r'), endpoint: hub.endpoint });
    assert.deepEqual(
      result.files.map((f) => f.name),
      ['config.json', 'model.safetensors', 'vocab.json', 'merges.txt'],
    );
    await rejectsWith(
      downloadModel('org/no-tokenizer', { to: join(dir, 'n'), endpoint: hub.endpoint }),
      /has no tokenizer\.json, vocab\.txt or vocab\.json with merges\.txt/,
    );
    assert.ok(!existsSync(join(dir, 'n')), 'nothing is written for a refused repository');
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await hub.close();
  }
});

test('falls back to pytorch_model.bin when there is no safetensors', async () => {
  const hub = await startFakeHub({
    'org/old': { 'config.json': config, 'pytorch_model.bin': bin(), 'vocab.txt': vocab },
  });
  const dir = tempDir();
  try {
    const result = await downloadModel('org/old', { to: dir, endpoint: hub.endpoint });
    assert.deepEqual(
      result.files.map((f) => f.name),
      ['config.json', 'pytorch_model.bin', 'vocab.txt'],
    );
    assert.deepEqual(
      [...(await readPytorchBin(join(dir, 'pytorch_model.bin'))).get('w')!.data],
      [1, 2, 3, 4],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await hub.close();
  }
});

test('an endpoint without the listing API is probed file by file', async () => {
  const hub = await startFakeHub(
    { 'org/old': { 'config.json': config, 'pytorch_model.bin': bin(), 'vocab.txt': vocab } },
    { api: false },
  );
  const dir = tempDir();
  try {
    const result = await downloadModel('org/old', { to: dir, endpoint: hub.endpoint });
    assert.deepEqual(
      result.files.map((f) => f.name),
      ['config.json', 'pytorch_model.bin', 'vocab.txt'],
    );
    assert.ok(hub.requests.includes('HEAD /org/old/resolve/main/model.safetensors'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await hub.close();
  }
});

test('a repository, revision or weight file that does not exist is a clear UserError', async () => {
  const hub = await startFakeHub({ 'org/tiny': { 'config.json': config, 'vocab.txt': vocab } });
  const dir = tempDir();
  try {
    await rejectsWith(
      downloadModel('org/missing', { to: dir, endpoint: hub.endpoint }),
      /^Repository org\/missing was not found on http:\/\/127\.0\.0\.1:\d+ /,
    );
    await rejectsWith(
      downloadModel('org/tiny', { to: dir, endpoint: hub.endpoint, revision: 'v9' }),
      /^Revision v9 of repository org\/tiny was not found/,
    );
    await rejectsWith(
      downloadModel('org/tiny', { to: dir, endpoint: hub.endpoint }),
      /has neither model\.safetensors nor pytorch_model\.bin/,
    );
    await rejectsWith(
      downloadModel('not a repo', { to: dir, endpoint: hub.endpoint }),
      /not a Hugging Face repository id/,
    );
    assert.deepEqual(readdirSync(dir), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await hub.close();
  }
});

test('a body shorter than its Content-Length is a size error, and nothing is left at the target', async () => {
  const weights = safetensors();
  const hub = await startFakeHub({
    'org/cut': {
      'config.json': config,
      'model.safetensors': { data: weights.data.subarray(0, 40), claimLength: weights.data.length },
      'vocab.txt': vocab,
    },
  });
  const dir = tempDir();
  try {
    await rejectsWith(
      downloadModel('org/cut', { to: dir, endpoint: hub.endpoint }),
      /download of model\.safetensors .* stopped after \d+ of \d+ bytes/,
    );
    assert.equal(existsSync(join(dir, 'model.safetensors')), false);
    assert.deepEqual(readdirSync(dir), ['config.json'], 'no temporary file left behind');
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await hub.close();
  }
});

test('a file whose size differs from the listing is not saved', async () => {
  const hub = await startFakeHub({
    'org/odd': {
      'config.json': { ...config, listedSize: 3 },
      'model.safetensors': safetensors(),
      'vocab.txt': vocab,
    },
  });
  const dir = tempDir();
  try {
    await rejectsWith(
      downloadModel('org/odd', { to: dir, endpoint: hub.endpoint }),
      /config\.json .* has \d+ bytes but the repository listing says 3; the file was not saved/,
    );
    assert.deepEqual(readdirSync(dir), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await hub.close();
  }
});

test('an unreachable endpoint is "could not reach"', async () => {
  // A port that was free a moment ago: nothing listens there.
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  const dir = tempDir();
  try {
    await rejectsWith(
      downloadModel('org/tiny', { to: dir, endpoint: `http://127.0.0.1:${port}` }),
      /^Could not reach http:\/\/127\.0\.0\.1:\d+ \(.*ECONNREFUSED/,
    );
    await rejectsWith(
      downloadModel('org/tiny', { to: dir, endpoint: 'ftp://example' }),
      /not an http\(s\) URL/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
