import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../../src/errors.js';
import {
  MAX_HEADER_BYTES,
  readSafetensors,
  serializeSafetensors,
  writeSafetensors,
} from '../../src/io/safetensors.js';
import { isWeight, weightsOnly, type StateDict } from '../../src/io/state-dict.js';
import { requireShared } from '../helpers/shared.js';

/** A safetensors file from a header object and a data region, padded as the official writer pads. */
function rawSafetensors(header: unknown, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const json = Buffer.from(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function sample(): StateDict {
  return new Map([
    ['b.bias', { shape: [3], data: Float32Array.from([0.5, -1, 2]) }],
    ['a.weight', { shape: [2, 2], data: Float32Array.from([1, 2, 3, 4]) }],
    ['scalar', { shape: [], data: Float32Array.from([7]) }],
    ['empty', { shape: [0, 4], data: new Float32Array(0) }],
  ]);
}

function rejects(bytes: Uint8Array, pattern: RegExp): void {
  assert.throws(
    () => readSafetensors(bytes, 'weights.safetensors'),
    (error: unknown) => {
      assert.ok(error instanceof UserError, `expected a UserError, got ${String(error)}`);
      assert.match(error.message, /^weights\.safetensors /);
      assert.match(error.message, pattern);
      return true;
    },
  );
}

test('write then read gives back the same tensors and metadata', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lora-lab-st-'));
  try {
    const path = join(dir, 'model.safetensors');
    writeSafetensors(path, sample(), { format: 'pt', note: 'é' });
    const { tensors, metadata } = readSafetensors(path);
    assert.deepEqual(metadata, { format: 'pt', note: 'é' });
    assert.deepEqual([...tensors.keys()].sort(), ['a.weight', 'b.bias', 'empty', 'scalar']);
    for (const [name, entry] of sample()) {
      assert.deepEqual(tensors.get(name)!.shape, entry.shape);
      assert.deepEqual(tensors.get(name)!.data, entry.data);
    }
    assert.deepEqual(readdirSync(dir), ['model.safetensors'], 'no temporary file left behind');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the header lists __metadata__ first, then tensors sorted by name, and data starts 8-byte aligned', () => {
  const bytes = serializeSafetensors(sample(), { format: 'pt' });
  const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  assert.equal((8 + n) % 8, 0);
  const text = Buffer.from(bytes.subarray(8, 8 + n)).toString('utf8');
  assert.match(text, /^\{.*\} *$/);
  const header = JSON.parse(text) as Record<string, { data_offsets: number[] }>;
  assert.deepEqual(Object.keys(header), ['__metadata__', 'a.weight', 'b.bias', 'empty', 'scalar']);
  assert.deepEqual(header['a.weight']!.data_offsets, [0, 16]);
  assert.deepEqual(header['b.bias']!.data_offsets, [16, 28]);
  assert.deepEqual(header['empty']!.data_offsets, [28, 28]);
});

test('an official file is rewritten byte for byte', (t) => {
  const path = requireShared(t, 'models', 'bert-tiny-mlm', 'model.safetensors');
  if (!path) return;
  const original = readFileSync(path);
  const { tensors, metadata } = readSafetensors(path);
  assert.equal(tensors.size, 46);
  assert.deepEqual(tensors.get('bert.embeddings.word_embeddings.weight')!.shape, [30522, 128]);
  assert.equal(Buffer.compare(Buffer.from(serializeSafetensors(tensors, metadata)), original), 0);
});

test('F16, BF16 and F64 become float32; integer buffers stay readable but are marked', () => {
  const f16 = new Uint16Array([0x3c00, 0xc000, 0x0001, 0x7c00, 0x8000, 0x3555]);
  const bf16 = new Uint16Array([0x3f80, 0xc040]);
  const f64 = new Float64Array([0.1, -3]);
  const ids = new BigInt64Array([0n, 1n, 2n, 511n]);
  const data = Buffer.concat([f64, ids, f16, bf16].map((a) => Buffer.from(a.buffer)));
  const bytes = rawSafetensors(
    {
      d: { dtype: 'F64', shape: [2], data_offsets: [0, 16] },
      'bert.embeddings.position_ids': { dtype: 'I64', shape: [1, 4], data_offsets: [16, 48] },
      h: { dtype: 'F16', shape: [2, 3], data_offsets: [48, 60] },
      b: { dtype: 'BF16', shape: [2], data_offsets: [60, 64] },
    },
    data,
  );
  const { tensors } = readSafetensors(bytes);
  assert.deepEqual([...tensors.get('h')!.data], [1, -2, 2 ** -24, Infinity, -0, Math.fround(0.333251953125)]);
  assert.equal(tensors.get('h')!.dtype, 'F16');
  assert.deepEqual([...tensors.get('b')!.data], [1, -3]);
  assert.deepEqual([...tensors.get('d')!.data], [Math.fround(0.1), -3]);
  const ids2 = tensors.get('bert.embeddings.position_ids')!;
  assert.deepEqual([...ids2.data], [0, 1, 2, 511]);
  assert.equal(ids2.dtype, 'I64');
  assert.equal(isWeight(ids2), false);
  assert.equal(isWeight(tensors.get('h')!), true);
  assert.deepEqual([...weightsOnly(tensors).keys()].sort(), ['b', 'd', 'h']);

  // Integer buffers are written back as I64, first (the official order puts wider dtypes first).
  const again = readSafetensors(serializeSafetensors(tensors)).tensors;
  assert.equal(again.get('bert.embeddings.position_ids')!.dtype, 'I64');
  assert.deepEqual([...again.get('bert.embeddings.position_ids')!.data], [0, 1, 2, 511]);
  assert.equal(again.get('h')!.dtype, undefined);
});

test('tensors may start at offsets that are not multiples of their element size', () => {
  const u8 = Uint8Array.from([9]);
  const f32 = Buffer.from(Float32Array.from([1.5, -2.5]).buffer);
  const bytes = rawSafetensors(
    {
      u: { dtype: 'U8', shape: [1], data_offsets: [0, 1] },
      f: { dtype: 'F32', shape: [2], data_offsets: [1, 9] },
    },
    Buffer.concat([u8, f32]),
  );
  assert.deepEqual([...readSafetensors(bytes).tensors.get('f')!.data], [1.5, -2.5]);
});

test('malformed files are refused with a sentence that names the file', () => {
  const four = Buffer.from(Float32Array.from([1, 2, 3, 4]).buffer);
  const ok = { t: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } };
  rejects(new Uint8Array(5), /shorter than the 8-byte header length/);

  const huge = new Uint8Array(16);
  new DataView(huge.buffer).setBigUint64(0, BigInt(MAX_HEADER_BYTES + 1), true);
  rejects(huge, /more than the limit/);
  new DataView(huge.buffer).setBigUint64(0, 2n ** 64n - 1n, true);
  rejects(huge, /more than the limit/);

  const beyond = rawSafetensors(ok, four);
  new DataView(beyond.buffer).setBigUint64(0, 1000n, true);
  rejects(beyond, /only \d+ follow/);

  const badJson = Buffer.concat([Buffer.alloc(8), Buffer.from('{"t": ')]);
  new DataView(badJson.buffer, badJson.byteOffset).setBigUint64(0, 6n, true);
  rejects(badJson, /not valid JSON/);
  rejects(rawSafetensors([1, 2]), /not a JSON object/);
  rejects(rawSafetensors({ t: { dtype: 'F31', shape: [4], data_offsets: [0, 16] } }, four), /dtype "F31"/);
  rejects(
    rawSafetensors({ t: { dtype: 'F32', shape: [3], data_offsets: [0, 16] } }, four),
    /needs 12 bytes but its offsets span 16/,
  );
  rejects(rawSafetensors({ t: { dtype: 'F32', shape: [-4], data_offsets: [0, 16] } }, four), /shape/);
  rejects(
    rawSafetensors({ t: { dtype: 'F32', shape: [4], data_offsets: [0, 32] } }, four),
    /beyond the 16 bytes of data/,
  );
  rejects(rawSafetensors({ t: { dtype: 'F32', shape: [4], data_offsets: [16, 0] } }, four), /run backwards/);
  rejects(
    rawSafetensors(
      {
        a: { dtype: 'F32', shape: [3], data_offsets: [0, 12] },
        b: { dtype: 'F32', shape: [2], data_offsets: [8, 16] },
      },
      four,
    ),
    /overlaps/,
  );
  rejects(
    rawSafetensors({ t: { dtype: 'F32', shape: [3], data_offsets: [4, 16] } }, four),
    /bytes 0 to 4 of the data region belong to no tensor/,
  );
  rejects(
    rawSafetensors({ t: { dtype: 'F32', shape: [3], data_offsets: [0, 12] } }, four),
    /cover 12 bytes but the data region holds 16/,
  );
  rejects(rawSafetensors({ __metadata__: { format: 1 }, ...ok }, four), /__metadata__/);
  rejects(rawSafetensors({ t: 'F32' }, four), /not an object/);
});

test('a missing file is a UserError', () => {
  assert.throws(
    () => readSafetensors('/nonexistent/model.safetensors'),
    (e: unknown) => e instanceof UserError && /no file at/.test(e.message),
  );
});

test('a header padded with spaces and a null __metadata__ are accepted', () => {
  const header = Buffer.from(
    '{"__metadata__":null,"t":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}     ',
  );
  const bytes = Buffer.concat([Buffer.alloc(8), header, Buffer.from(Float32Array.from([3]).buffer)]);
  bytes.writeBigUInt64LE(BigInt(header.length), 0);
  const { tensors, metadata } = readSafetensors(bytes);
  assert.deepEqual(metadata, {});
  assert.deepEqual([...tensors.get('t')!.data], [3]);
  const dir = mkdtempSync(join(tmpdir(), 'lora-lab-st-'));
  try {
    writeFileSync(join(dir, 'x.safetensors'), bytes);
    assert.equal(readSafetensors(join(dir, 'x.safetensors')).tensors.size, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
