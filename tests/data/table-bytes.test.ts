import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { readTable } from '../../src/data/readers/table.js';
import { readTableBytes } from '../../src/data/readers/table-bytes.js';
import { labelledRows } from '../../src/data/readers/labelled-rows.js';
import { readLabelledFile } from '../../src/data/readers/labelled-file.js';

// The browser reads a dropped file from its bytes; it must read it exactly as the CLI reads the file
// from disk: the same rows, lines and columns, and the same one-sentence errors.

const CASES: [name: string, content: string | Uint8Array][] = [
  [
    'excel.csv',
    '\ufefftext,label\r\n"Charged twice, then ""refunded""",billing\r\n"two\r\nlines",fraud\r\n\r\nplain,billing\r\n',
  ],
  ['short.csv', 'text,label,extra\nonly text\nfull,b,x\n'],
  ['data.tsv', 'text\tlabel\nfirst one\ta\n"quoted\ttab"\tb\n'],
  [
    'data.jsonl',
    '{"text": "first", "label": "a"}\r\n\n{"text": "second", "label": 2, "note": true}\n{"text":"third","label":"b"}',
  ],
  ['packed.csv.gz', gzipSync('text,label\nzipped,a\nagain,b\n')],
  ['utf8.csv', 'text,label\n"naïve café ✓ 😀",a\n'],
];

const FAILING: [name: string, content: string | Uint8Array][] = [
  ['quote.csv', 'text,label\n"never closed,a\nnext,b\n'],
  ['twice.csv', 'text,text\na,b\n'],
  ['bad.jsonl', '{"text": "ok", "label": "a"}\n[1, 2]\n'],
  ['latin1.csv', Uint8Array.from([...Buffer.from('text,label\ncaf'), 0xe9, ...Buffer.from(',a\n')])],
  ['empty.csv', ''],
  ['header-only.csv', 'text,label\n'],
];

async function outcome(promise: Promise<unknown>): Promise<unknown> {
  try {
    return { ok: await promise };
  } catch (error) {
    return { error: (error as Error).name, message: (error as Error).message };
  }
}

test('readTableBytes reads CSV, TSV, JSON Lines and gzip as readTable reads the same file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lora-lab-bytes-'));
  try {
    for (const [name, content] of [...CASES, ...FAILING]) {
      const path = join(dir, name);
      writeFileSync(path, content);
      const bytes = typeof content === 'string' ? new TextEncoder().encode(content) : content;
      // Messages name the file as given: the path on disk, the name in the browser.
      const fromDisk = JSON.stringify(await outcome(readTable(path))).replaceAll(path, name);
      const fromBytes = JSON.stringify(await outcome(readTableBytes(bytes, name)));
      assert.equal(fromBytes, fromDisk, name);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a failing file fails in one sentence that names it and the place', async () => {
  await assert.rejects(
    readTableBytes(new TextEncoder().encode('text,label\n"never closed,a\n'), 'quote.csv'),
    {
      name: 'UserError',
      message:
        'quote.csv has an unbalanced quote: a quoted field in the record that starts on line 2 is never closed.',
    },
  );
  await assert.rejects(
    readTableBytes(new Uint8Array([1, 2]), 'data.parquet'),
    /only CSV, TSV and JSON Lines/,
  );
  await assert.rejects(readTableBytes(Uint8Array.from([0x1f, 0x8b, 1, 2, 3]), 'cut.csv.gz'), {
    name: 'UserError',
    message: /^cut\.csv\.gz is a damaged or truncated gzip file/,
  });
});

test('labelledRows over bytes gives the rows readLabelledFile gives', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lora-lab-bytes-'));
  try {
    const content = 'id,sentence,category\n1,good service,pos\n2,,neg\n3,slow and rude,neg\n4,fine,\n';
    const path = join(dir, 'reviews.csv');
    writeFileSync(path, content);
    const options = { skipEmpty: true };
    const fromDisk = await readLabelledFile(path, options);
    const fromBytes = labelledRows(
      await readTableBytes(new TextEncoder().encode(content), path),
      path,
      options,
    );
    assert.deepEqual(fromBytes, fromDisk);
    assert.deepEqual(fromBytes.columns, { text: 'sentence', label: 'category' });
    assert.equal(fromBytes.rows.length, 2);
    assert.deepEqual(fromBytes.skipped, { emptyText: 1, missingLabel: 1 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
