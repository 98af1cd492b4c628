import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeNamedFiles } from '../../src/io/named-files.js';

test('writeNamedFiles writes text as it is and values as JSON, in order, leaving no temporary files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lora-lab-named-files-'));
  try {
    const out = join(dir, 'nested', 'out');
    const written = writeNamedFiles(out, [
      { name: 'a.csv', text: 'text,label\r\nx,y\r\n' },
      { name: 'b.bin', text: new Uint8Array([0, 255, 7]) },
      { name: 'c.json', json: { label2id: { x: 0 } } },
    ]);
    assert.deepEqual(written, [join(out, 'a.csv'), join(out, 'b.bin'), join(out, 'c.json')]);
    assert.equal(readFileSync(join(out, 'a.csv'), 'utf8'), 'text,label\r\nx,y\r\n');
    assert.deepEqual([...readFileSync(join(out, 'b.bin'))], [0, 255, 7]);
    assert.equal(readFileSync(join(out, 'c.json'), 'utf8'), '{\n  "label2id": {\n    "x": 0\n  }\n}\n');
    assert.deepEqual(readdirSync(out).sort(), ['a.csv', 'b.bin', 'c.json']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
