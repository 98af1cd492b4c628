import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { readCsvRecords, formatCsv, type CsvRecord } from '../../src/data/csv.js';
import { findInvalidUtf8, incompleteTailLength } from '../../src/data/utf8.js';

async function withFile<T>(content: string | Uint8Array, body: (path: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'lora-lab-csv-'));
  try {
    const path = join(dir, 'file.csv');
    writeFileSync(path, content);
    return await body(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function collect(path: string): Promise<CsvRecord[]> {
  const out: CsvRecord[] = [];
  for await (const record of readCsvRecords(path)) out.push(record);
  return out;
}

test('reads BOM, CRLF, quoted multi-line fields, escaped quotes, empty lines; lines are physical', async () => {
  const csv =
    '\uFEFFa,b,c\r\n1,"two\r\nlines, ""quoted""",x\r\n\r\n2,"three\nmixed\rbreaks",y\r\n3,short\r\n';
  const records = await withFile(csv, collect);
  assert.deepEqual(records, [
    { fields: ['a', 'b', 'c'], line: 1 },
    { fields: ['1', 'two\r\nlines, "quoted"', 'x'], line: 2 },
    { fields: ['2', 'three\nmixed\rbreaks', 'y'], line: 5 },
    { fields: ['3', 'short'], line: 8 },
  ]);
});

test('multi-byte characters across 1 MiB chunk boundaries decode intact', async () => {
  const cell = 'é€😀'.repeat(50_000); // 2-, 3- and 4-byte characters, 450 kB per cell
  const csv = `text,label\n"${cell}",a\n"${cell}",b\n"${cell}",c\n`;
  const records = await withFile(csv, collect);
  assert.equal(records.length, 4);
  for (const record of records.slice(1)) assert.equal(record.fields[0], cell);
});

test('non-UTF-8 bytes are reported with offset and line', async () => {
  const bytes = Buffer.concat([Buffer.from('a,b\n1,ok\n2,caf'), Buffer.from([0xe9]), Buffer.from('\n')]);
  await withFile(bytes, async (path) => {
    await assert.rejects(collect(path), {
      name: 'UserError',
      message: `${path} is not valid UTF-8: byte 0xE9 at offset 14 (line 3) is not part of a UTF-8 character; re-save the file as UTF-8.`,
    });
  });
  // A file that stops in the middle of a character.
  await withFile(Buffer.from([0x61, 0x0a, 0xe2, 0x82]), async (path) => {
    await assert.rejects(collect(path), { name: 'UserError', message: /offset 2 \(line 2\)/ });
  });
});

test('an unclosed quote names the line where its record starts', async () => {
  const csv = 'a,b\r\n1,"fine\r\nfield"\r\n2,"never closed\r\n3,x\r\n4,y\r\n';
  await withFile(csv, async (path) => {
    await assert.rejects(collect(path), {
      name: 'UserError',
      message: `${path} has an unbalanced quote: a quoted field in the record that starts on line 4 is never closed.`,
    });
  });
});

test('a record with more fields than the header is an error with its line; fewer is allowed', async () => {
  await withFile('a,b\n1\n2,3,4\n', async (path) => {
    await assert.rejects(collect(path), {
      name: 'UserError',
      message: `${path} line 3 has 3 fields, more than its header.`,
    });
  });
});

test('missing, empty and directory inputs', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lora-lab-csv-'));
  try {
    await assert.rejects(collect(join(dir, 'nope.csv')), {
      name: 'UserError',
      message: `Input file ${join(dir, 'nope.csv')} does not exist.`,
    });
    writeFileSync(join(dir, 'empty.csv'), '');
    await assert.rejects(collect(join(dir, 'empty.csv')), { name: 'UserError', message: /is empty\.$/ });
    mkdirSync(join(dir, 'sub.csv'));
    await assert.rejects(collect(join(dir, 'sub.csv')), { name: 'UserError', message: /is a directory/ });
    writeFileSync(join(dir, 'bom.csv'), '\uFEFF');
    assert.deepEqual(await collect(join(dir, 'bom.csv')), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('formatCsv quotes only what needs quoting and reads back the same', async () => {
  const rows = [
    ['plain', 'with, comma'],
    ['with "quote"', 'line\nbreak'],
    [' edge ', ''],
  ];
  const text = formatCsv(['x', 'y'], rows);
  assert.equal(text.split('\n')[1], 'plain,"with, comma"');
  const records = await withFile(text, collect);
  assert.deepEqual(
    records.map((r) => r.fields),
    [['x', 'y'], ...rows],
  );
});

test('UTF-8 helpers agree with TextDecoder on arbitrary bytes (property)', () => {
  const fatal = new TextDecoder('utf-8', { fatal: true });
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
      let valid = true;
      try {
        fatal.decode(bytes);
      } catch {
        valid = false;
      }
      assert.equal(findInvalidUtf8(bytes) === -1, valid);
    }),
    { numRuns: 2000, seed: 7 },
  );
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme', maxLength: 30 }), fc.nat(), (s, at) => {
      const bytes = new TextEncoder().encode(s);
      const cut = bytes.length === 0 ? 0 : at % (bytes.length + 1);
      const head = bytes.subarray(0, cut);
      const keep = head.length - incompleteTailLength(head);
      const joined = fatal.decode(head.subarray(0, keep)) + fatal.decode(bytes.subarray(keep));
      assert.equal(joined, s);
    }),
    { numRuns: 2000, seed: 7 },
  );
});
