import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../../src/errors.js';
import { readPytorchBin, readPytorchBytes } from '../../src/io/pytorch-pickle.js';
import { readSafetensors } from '../../src/io/safetensors.js';
import { isWeight } from '../../src/io/state-dict.js';
import { requireShared } from '../helpers/shared.js';
import { PickleWriter } from './helpers/pickle-writer.js';
import { buildZip } from './helpers/zip-writer.js';
import { f32Bytes, torchZip } from './helpers/torch-fixture.js';

async function rejects(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(
      error instanceof UserError,
      `expected a UserError, got ${String((error as Error)?.stack ?? error)}`,
    );
    assert.match(error.message, pattern);
    return true;
  });
}

test('both files of bert-tiny-mlm load to identical weights', async (t) => {
  const bin = requireShared(t, 'models', 'bert-tiny-mlm', 'pytorch_model.bin');
  const st = requireShared(t, 'models', 'bert-tiny-mlm', 'model.safetensors');
  if (!bin || !st) return;
  const fromBin = await readPytorchBin(bin);
  const fromSt = readSafetensors(st).tensors;
  const floatKeys = (m: typeof fromBin) =>
    [...m]
      .filter(([, e]) => isWeight(e))
      .map(([k]) => k)
      .sort();
  assert.deepEqual(floatKeys(fromBin), floatKeys(fromSt));
  assert.equal(floatKeys(fromSt).length, 46);
  for (const name of floatKeys(fromSt)) {
    const a = fromSt.get(name)!;
    const b = fromBin.get(name)!;
    assert.deepEqual(b.shape, a.shape, name);
    assert.ok(
      Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength).equals(
        Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength),
      ),
      `${name} differs`,
    );
  }
});

test('a synthetic checkpoint: parameters, shared storage with offsets, strides, F16 and I64 buffers', async () => {
  const half = new Uint16Array([0x3c00, 0x4000, 0xbc00]);
  const ids = new BigInt64Array([0n, 1n, 2n]);
  const bytes = torchZip(
    [
      { name: 'w', key: '0', storageNumel: 6, shape: [2, 3], parameter: true },
      { name: 'tied', key: '0', storageNumel: 6, shape: [2, 3] },
      { name: 'tail', key: '0', storageNumel: 6, offset: 4, shape: [2] },
      { name: 'wT', key: '0', storageNumel: 6, shape: [3, 2], stride: [1, 3] },
      { name: 'h', key: 'h', storageType: 'HalfStorage', storageNumel: 3, shape: [3] },
      {
        name: 'embeddings.position_ids',
        key: 'p',
        storageType: 'LongStorage',
        storageNumel: 3,
        shape: [1, 3],
      },
      { name: 'scalar', key: 's', storageNumel: 1, shape: [] },
      { name: 'empty', key: 's', storageNumel: 1, shape: [0] },
    ],
    {
      '0': f32Bytes([1, 2, 3, 4, 5, 6]),
      h: new Uint8Array(half.buffer),
      p: new Uint8Array(ids.buffer),
      s: f32Bytes([42]),
    },
    { byteorder: 'little', metadata: true },
  );
  const state = await readPytorchBytes(bytes, { name: 'fixture.bin' });
  assert.deepEqual(
    [...state.keys()],
    ['w', 'tied', 'tail', 'wT', 'h', 'embeddings.position_ids', 'scalar', 'empty'],
  );
  assert.deepEqual([...state.get('w')!.data], [1, 2, 3, 4, 5, 6]);
  assert.deepEqual([...state.get('tied')!.data], [1, 2, 3, 4, 5, 6]);
  assert.notEqual(state.get('w')!.data, state.get('tied')!.data, 'tied tensors get their own arrays');
  assert.deepEqual([...state.get('tail')!.data], [5, 6]);
  assert.deepEqual(state.get('wT')!.shape, [3, 2]);
  assert.deepEqual([...state.get('wT')!.data], [1, 4, 2, 5, 3, 6]);
  assert.deepEqual([...state.get('h')!.data], [1, 2, -1]);
  const ids2 = state.get('embeddings.position_ids')!;
  assert.deepEqual([ids2.dtype, ids2.shape, [...ids2.data]], ['I64', [1, 3], [0, 1, 2]]);
  assert.equal(isWeight(ids2), false);
  assert.deepEqual([state.get('scalar')!.shape, [...state.get('scalar')!.data]], [[], [42]]);
  assert.equal(state.get('empty')!.data.length, 0);
});

test('a big-endian checkpoint is byte-swapped', async () => {
  const be = Buffer.alloc(8);
  be.writeFloatBE(1.5, 0);
  be.writeFloatBE(-3, 4);
  const bytes = torchZip(
    [{ name: 'x', key: '0', storageNumel: 2, shape: [2] }],
    { '0': be },
    { byteorder: 'big' },
  );
  assert.deepEqual([...(await readPytorchBytes(bytes)).get('x')!.data], [1.5, -3]);
});

test('a global outside the allow-list is refused by name and never runs', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lora-lab-pickle-'));
  try {
    const sentinel = join(dir, 'pwned');
    const payloads: [string, Uint8Array][] = [
      [
        'posix.system',
        new PickleWriter()
          .proto(2)
          .global('posix', 'system')
          .unicode(`touch ${sentinel}`)
          .tupleN(1)
          .reduce()
          .stop()
          .bytes(),
      ],
      [
        'builtins.eval',
        new PickleWriter()
          .proto(4)
          .shortUnicode('builtins')
          .shortUnicode('eval')
          .stackGlobal()
          .unicode(`__import__('fs').writeFileSync(${JSON.stringify(sentinel)}, '')`)
          .tupleN(1)
          .reduce()
          .stop()
          .bytes(),
      ],
      // Hidden inside an otherwise ordinary state dict, as the value of a key.
      [
        'os.system',
        new PickleWriter()
          .proto(2)
          .global('collections', 'OrderedDict')
          .emptyTuple()
          .reduce()
          .unicode('weight')
          .global('os', 'system')
          .unicode(`touch ${sentinel}`)
          .tupleN(1)
          .reduce()
          .setitem()
          .stop()
          .bytes(),
      ],
    ];
    for (const [qualified, pickle] of payloads) {
      const bytes = buildZip([{ name: 'archive/data.pkl', data: pickle }]);
      await rejects(
        readPytorchBytes(bytes, { name: 'evil.bin' }),
        new RegExp(
          `^evil\\.bin refers to ${qualified.replace('.', '\\.')}, which is not allowed in a state dict; refusing to load it\\.$`,
        ),
      );
    }
    assert.equal(existsSync(sentinel), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('zip entries that point outside the archive are refused', async () => {
  for (const name of ['../evil', 'archive/../../evil', '/etc/passwd', 'C:/evil', 'archive\\..\\evil']) {
    const bytes = buildZip([
      { name: 'archive/data.pkl', data: new PickleWriter().proto(2).emptyDict().stop().bytes() },
      { name, data: Buffer.from('x') },
    ]);
    await rejects(
      readPytorchBytes(bytes, { name: 'evil.bin' }),
      /^evil\.bin contains an entry named .*, which points outside the archive; refusing to load it\.$/,
    );
  }
});

test('zip bombs are bounded: by ratio, by total declared size, and by sizes that lie', async () => {
  const pickle = new PickleWriter().proto(2).emptyDict().stop().bytes();
  const zeros = new Uint8Array(20 * 1024 * 1024);
  await rejects(
    readPytorchBytes(
      buildZip([
        { name: 'archive/data.pkl', data: pickle },
        { name: 'archive/data/0', data: zeros, deflate: true },
      ]),
    ),
    /inflates \d+-fold, which looks like a zip bomb/,
  );
  await rejects(
    readPytorchBytes(
      buildZip([
        { name: 'archive/data.pkl', data: pickle },
        { name: 'archive/data/0', data: new Uint8Array(4096) },
      ]),
      {
        zipLimits: { maxTotalBytes: 4000 },
      },
    ),
    /would unpack to more than 4000 bytes/,
  );
  // A storage that declares 16 bytes but inflates to 64 KiB: reading stops at the declared size.
  const liar = torchZip(
    [{ name: 'x', key: '0', storageNumel: 4, shape: [4] }],
    {},
    {
      extra: [{ name: 'archive/data/0', data: new Uint8Array(65536), deflate: true, declaredSize: 16 }],
    },
  );
  await rejects(readPytorchBytes(liar), /damaged entry "archive\/data\/0"/);
});

test('other malformed checkpoints are refused clearly', async () => {
  const one = [{ name: 'x', key: '0', storageNumel: 4, shape: [4] }];
  await rejects(readPytorchBytes(Uint8Array.from([0x80, 0x02, 0x8a, 0x0a])), /legacy/);
  await rejects(readPytorchBytes(Buffer.from('hello')), /not a zip archive/);
  await rejects(
    readPytorchBytes(buildZip([{ name: 'x.txt', data: Buffer.from('x') }])),
    /no <archive>\/data\.pkl/,
  );
  await rejects(readPytorchBytes(torchZip(one, {})), /missing the storage archive\/data\/0/);
  await rejects(readPytorchBytes(torchZip(one, { '0': f32Bytes([1, 2]) })), /8 bytes where 16 are expected/);
  await rejects(
    readPytorchBytes(
      torchZip([{ name: 'x', key: '0', storageNumel: 2, offset: 1, shape: [2] }], { '0': f32Bytes([1, 2]) }),
    ),
    /reaches beyond its storage/,
  );
  await rejects(
    readPytorchBytes(torchZip(one, { '0': f32Bytes([1, 2, 3, 4]) }, { byteorder: 'middle' })),
    /byteorder/,
  );
  await rejects(
    readPytorchBytes(
      torchZip(
        one,
        { '0': f32Bytes([1, 2, 3, 4]) },
        { extra: [{ name: 'archive/constants.pkl', data: Buffer.from('x') }] },
      ),
    ),
    /TorchScript/,
  );
  await rejects(
    readPytorchBytes(
      torchZip([{ ...one[0]!, storageType: 'ComplexFloatStorage' }], { '0': f32Bytes([1, 2, 3, 4]) }),
    ),
    /torch\.ComplexFloatStorage, which LoRA Lab cannot read/,
  );
  const notDict = buildZip([
    { name: 'a/data.pkl', data: new PickleWriter().proto(2).emptyList().stop().bytes() },
  ]);
  await rejects(readPytorchBytes(notDict), /not a dict of tensors/);
  const notTensor = buildZip([
    {
      name: 'a/data.pkl',
      data: new PickleWriter().proto(2).emptyDict().unicode('step').int(3).setitem().stop().bytes(),
    },
  ]);
  await rejects(readPytorchBytes(notTensor), /"step" that is not a tensor/);
  // Many views of one storage would expand far beyond what is stored.
  const w = new PickleWriter().proto(2).emptyDict();
  w.global('torch._utils', '_rebuild_tensor_v2').mark();
  w.mark()
    .unicode('storage')
    .global('torch', 'FloatStorage')
    .unicode('0')
    .unicode('cpu')
    .int(1)
    .tuple()
    .binpersid();
  w.int(0).intTuple([60000]).intTuple([0]).bool(false).none().tuple().reduce().put(0).raw(0x30);
  w.mark();
  for (let i = 0; i < 100; i++) w.unicode(`t${i}`).get(0);
  w.setitems().stop();
  const bomb = buildZip([
    { name: 'a/data.pkl', data: w.bytes() },
    { name: 'a/data/0', data: f32Bytes([1]) },
  ]);
  await rejects(readPytorchBytes(bomb), /expand far beyond/);
});

test('a missing file is a UserError', async () => {
  await rejects(readPytorchBin('/nonexistent/pytorch_model.bin'), /no file at/);
  const dir = mkdtempSync(join(tmpdir(), 'lora-lab-pt-'));
  try {
    writeFileSync(
      join(dir, 'pytorch_model.bin'),
      torchZip([{ name: 'x', key: '0', storageNumel: 1, shape: [1] }], { '0': f32Bytes([2]) }),
    );
    assert.deepEqual([...(await readPytorchBin(join(dir, 'pytorch_model.bin'))).get('x')!.data], [2]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
