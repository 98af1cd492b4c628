import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../../src/errors.js';
import { writeSafetensors } from '../../src/io/safetensors.js';
import { readStateDictFile } from '../../src/io/tensor-file.js';
import { f32Bytes, torchZip } from './helpers/torch-fixture.js';

test('readStateDictFile picks the reader by extension', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lora-lab-tf-'));
  try {
    writeSafetensors(
      join(dir, 'model.safetensors'),
      new Map([['x', { shape: [2], data: Float32Array.from([1, 2]) }]]),
    );
    writeFileSync(
      join(dir, 'pytorch_model.bin'),
      torchZip([{ name: 'x', key: '0', storageNumel: 2, shape: [2] }], { '0': f32Bytes([1, 2]) }),
    );
    for (const name of ['model.safetensors', 'pytorch_model.bin']) {
      const state = await readStateDictFile(join(dir, name));
      assert.deepEqual([...state.get('x')!.data], [1, 2], name);
    }
    writeFileSync(join(dir, 'weights.npz'), 'x');
    await assert.rejects(
      readStateDictFile(join(dir, 'weights.npz')),
      (e: unknown) => e instanceof UserError && /Cannot tell the format of weights\.npz/.test(e.message),
    );
    await assert.rejects(readStateDictFile(join(dir, 'missing.safetensors')), UserError);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
