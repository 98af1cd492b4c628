import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { UserError } from '../../src/errors.js';
import { loadPickle } from '../../src/io/pickle-vm.js';
import { readPytorchBytes, stateDictHooks } from '../../src/io/pytorch-pickle.js';
import { readSafetensors, serializeSafetensors } from '../../src/io/safetensors.js';
import type { TensorEntry } from '../../src/io/state-dict.js';
import { applyEdits, byteEdits } from './helpers/mutate.js';
import { stateDictPickle, torchZip, f32Bytes, type FixtureTensor } from './helpers/torch-fixture.js';
import { buildZip } from './helpers/zip-writer.js';

/**
 * The readers take untrusted files: whatever the bytes, they return or throw a UserError, never another
 * exception, never hang. Runs are bounded (LORA_LAB_FUZZ_RUNS raises them for a longer hunt).
 */
const RUNS = Number(process.env.LORA_LAB_FUZZ_RUNS ?? 300);

function onlyUserErrors(run: () => unknown): boolean {
  try {
    run();
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
  }
  return true;
}

async function onlyUserErrorsAsync(run: () => Promise<unknown>): Promise<boolean> {
  try {
    await run();
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
  }
  return true;
}

function validSafetensors(): Uint8Array {
  const ids: TensorEntry = { shape: [1, 3], data: Float32Array.from([0, 1, 2]), dtype: 'I64' };
  return serializeSafetensors(
    new Map<string, TensorEntry>([
      ['embeddings.position_ids', ids],
      ['a.weight', { shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) }],
      ['a.bias', { shape: [2], data: Float32Array.from([0.5, -0.5]) }],
      ['s', { shape: [], data: Float32Array.from([1]) }],
    ]),
    { format: 'pt' },
  );
}

const TENSORS: FixtureTensor[] = [
  { name: 'w', key: '0', storageNumel: 6, shape: [2, 3], parameter: true },
  { name: 'wT', key: '0', storageNumel: 6, shape: [3, 2], stride: [1, 3] },
  { name: 'tail', key: '0', storageNumel: 6, offset: 4, shape: [2] },
  { name: 'h', key: '1', storageType: 'HalfStorage', storageNumel: 2, shape: [2] },
  { name: 'ids', key: '2', storageType: 'LongStorage', storageNumel: 2, shape: [1, 2] },
];
const STORAGES = {
  '0': f32Bytes([1, 2, 3, 4, 5, 6]),
  '1': Uint8Array.from([0x00, 0x3c, 0x00, 0xc0]),
  '2': new Uint8Array(new BigInt64Array([0n, 1n]).buffer),
};

test('safetensors: mutated and truncated files only ever raise UserError', () => {
  const valid = validSafetensors();
  assert.equal(readSafetensors(valid).tensors.size, 4);
  fc.assert(
    fc.property(byteEdits, (edits) =>
      onlyUserErrors(() => readSafetensors(applyEdits(valid, edits), 'fuzz.safetensors')),
    ),
    { numRuns: RUNS },
  );
});

test('safetensors: headers with random dtypes, shapes and offsets only ever raise UserError', () => {
  const entry = fc.record({
    dtype: fc.oneof(
      fc.constantFrom('F32', 'F16', 'BF16', 'I64', 'BOOL', 'U8', 'F8_E4M3', 'f32'),
      fc.anything(),
    ),
    shape: fc.oneof(
      fc.array(fc.oneof(fc.nat(6), fc.integer(), fc.double(), fc.constant(2 ** 53)), { maxLength: 3 }),
      fc.anything(),
    ),
    data_offsets: fc.oneof(
      fc.tuple(fc.nat(40), fc.nat(40)),
      fc.array(fc.integer(), { maxLength: 3 }),
      fc.anything(),
    ),
  });
  const header = fc.dictionary(
    fc.oneof(fc.string(), fc.constantFrom('__metadata__', '__proto__', 'constructor')),
    fc.oneof(entry, fc.anything()),
    {
      maxKeys: 4,
    },
  );
  fc.assert(
    fc.property(header, fc.nat(40), (h, dataLength) => {
      const json = Buffer.from(JSON.stringify(h) ?? 'null');
      const bytes = Buffer.concat([Buffer.alloc(8), json, Buffer.alloc(dataLength, 0x3f)]);
      bytes.writeBigUInt64LE(BigInt(json.length), 0);
      return onlyUserErrors(() => readSafetensors(bytes, 'fuzz.safetensors'));
    }),
    { numRuns: RUNS },
  );
});

test('pytorch zip: mutated and truncated archives only ever raise UserError', async () => {
  const valid = torchZip(TENSORS, STORAGES, { byteorder: 'little', metadata: true });
  assert.equal((await readPytorchBytes(valid)).size, 5);
  await fc.assert(
    fc.asyncProperty(byteEdits, (edits) =>
      onlyUserErrorsAsync(() => readPytorchBytes(applyEdits(valid, edits), { name: 'fuzz.bin' })),
    ),
    { numRuns: RUNS, timeout: 5000 },
  );
});

test('pytorch zip: a valid archive around a mutated data.pkl only ever raises UserError', async () => {
  const pickle = stateDictPickle(TENSORS, { metadata: true });
  const storages = Object.entries(STORAGES).map(([key, data]) => ({ name: `archive/data/${key}`, data }));
  await fc.assert(
    fc.asyncProperty(byteEdits, (edits) => {
      const zip = buildZip([{ name: 'archive/data.pkl', data: applyEdits(pickle, edits) }, ...storages]);
      return onlyUserErrorsAsync(() => readPytorchBytes(zip, { name: 'fuzz.bin' }));
    }),
    { numRuns: RUNS, timeout: 5000 },
  );
});

// Every opcode byte the machine knows, and some it refuses, with random argument bytes after each.
// prettier-ignore
const OPCODES = [
  0x28, 0x2e, 0x30, 0x31, 0x32, 0x4a, 0x4b, 0x4d, 0x4e, 0x51, 0x52, 0x58, 0x61, 0x62, 0x63, 0x64, 0x7d, 0x65, 0x68,
  0x6a, 0x6c, 0x5d, 0x71, 0x72, 0x73, 0x74, 0x29, 0x75, 0x47, 0x80, 0x81, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8b,
  0x42, 0x43, 0x8c, 0x8d, 0x8e, 0x93, 0x94, 0x95, 0x49, 0x69,
];

test('pickle: random bytes, random opcode streams and mutated state dicts only ever raise UserError', () => {
  const valid = stateDictPickle(TENSORS, { metadata: true });
  const opcodeStream = fc
    .array(fc.tuple(fc.constantFrom(...OPCODES), fc.uint8Array({ maxLength: 6 })), { maxLength: 40 })
    .map((ops) => Uint8Array.from(ops.flatMap(([op, args]) => [op, ...args])));
  const input = fc.oneof(
    fc.uint8Array({ maxLength: 200 }),
    opcodeStream,
    opcodeStream.map((ops) => Uint8Array.from([0x80, 0x02, ...ops, 0x2e])),
    byteEdits.map((edits) => applyEdits(valid, edits)),
  );
  fc.assert(
    fc.property(input, fc.boolean(), (bytes, torch) =>
      onlyUserErrors(() => loadPickle(bytes, 'fuzz.pkl', torch ? stateDictHooks('fuzz.pkl') : undefined)),
    ),
    { numRuns: RUNS },
  );
});
