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

test('a file given in pieces is written whole, batch by batch, and can be written twice from the same pieces', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lora-lab-named-pieces-'));
  try {
    // Over a megabyte of lines with characters of two to four bytes, so batches end mid-file.
    const lines = Array.from({ length: 40_000 }, (_, i) => `${i},"naïve € 𝄞 line",${'x'.repeat(i % 50)}\n`);
    const pieces = {
      *[Symbol.iterator]() {
        yield* lines;
      },
    };
    writeNamedFiles(dir, [{ name: 'big.csv', pieces }]);
    const expected = lines.join('');
    assert.ok(Buffer.byteLength(expected) > 1 << 21);
    assert.equal(readFileSync(join(dir, 'big.csv'), 'utf8'), expected);
    writeNamedFiles(dir, [{ name: 'again.csv', pieces }]);
    assert.equal(readFileSync(join(dir, 'again.csv'), 'utf8'), expected);
    assert.deepEqual(readdirSync(dir).sort(), ['again.csv', 'big.csv']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('pieces that fail half-way leave the earlier file as it was and no temporary file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lora-lab-named-pieces-'));
  try {
    writeNamedFiles(dir, [{ name: 'split.csv', text: 'text,label\nold,a\n' }]);
    function* failing(): Generator<string> {
      yield 'text,label\n';
      yield 'x'.repeat(1 << 21);
      throw new Error('the rows ran out');
    }
    assert.throws(() => writeNamedFiles(dir, [{ name: 'split.csv', pieces: failing() }]), /the rows ran out/);
    assert.equal(readFileSync(join(dir, 'split.csv'), 'utf8'), 'text,label\nold,a\n');
    assert.deepEqual(readdirSync(dir), ['split.csv']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
