import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { readLabelledFile } from '../../src/data/readers/labelled-file.js';
import { readTextFile } from '../../src/data/readers/text-file.js';
import { LabelMap } from '../../src/data/label-map.js';
import { formatSplitCsv, readSplit } from '../../src/data/split-files.js';
import { formatOf } from '../../src/data/readers/table.js';
import { UserError } from '../../src/errors.js';

function withDir(fn: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lora-lab-readers-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

function file(dir: string, name: string, content: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

async function rejectsWith(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof UserError, `a UserError, got ${String(error)}`);
    assert.match(error.message, pattern);
    assert.ok(!error.message.includes('\n'), 'one sentence on one line');
    return true;
  });
}

const EXCEL_CSV =
  '\ufefftext,label\r\n"Charged twice, then ""refunded""",billing\r\n"two\r\nlines",fraud\r\nplain,billing\r\n';

test(
  'CSV as Excel writes it: BOM, CRLF, quotes and a field over two lines',
  withDir(async (dir) => {
    const data = await readLabelledFile(file(dir, 'train.csv', EXCEL_CSV));
    assert.deepEqual(data.columns, { text: 'text', label: 'label' });
    assert.deepEqual(
      data.rows.map((r) => [r.text, r.label, r.line]),
      [
        ['Charged twice, then "refunded"', 'billing', 2],
        ['two\r\nlines', 'fraud', 3],
        ['plain', 'billing', 5],
      ],
    );
  }),
);

test(
  'TSV, JSON Lines and Parquet give the same rows, gzip-compressed or not',
  withDir(async (dir) => {
    const rows = [
      { sentence: 'the card was charged twice', category: 'billing' },
      { sentence: 'someone opened an account in my name', category: 'fraud' },
    ];
    const tsv = 'sentence\tcategory\n' + rows.map((r) => `${r.sentence}\t${r.category}`).join('\n') + '\n';
    const jsonl = rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
    const parquet = new Uint8Array(
      parquetWriteBuffer({
        columnData: [
          { name: 'sentence', data: rows.map((r) => r.sentence), type: 'STRING' },
          { name: 'category', data: rows.map((r) => r.category), type: 'STRING' },
        ],
      }),
    );
    const files = [
      file(dir, 'a.tsv', tsv),
      file(dir, 'a.tsv.gz', gzipSync(tsv)),
      file(dir, 'a.jsonl', jsonl),
      file(dir, 'a.jsonl.gz', gzipSync(jsonl)),
      file(dir, 'a.parquet', parquet),
    ];
    for (const path of files) {
      const data = await readLabelledFile(path);
      assert.deepEqual(data.columns, { text: 'sentence', label: 'category' }, path);
      assert.deepEqual(
        data.rows.map((r) => [r.text, r.label]),
        rows.map((r) => [r.sentence, r.category]),
        path,
      );
    }
  }),
);

test(
  'the text column is the only free-text column when none is named text or sentence',
  withDir(async (dir) => {
    const path = file(dir, 'd.csv', 'id,review,stars,label\n1,great phone,5,pos\n2,broke in a week,1,neg\n');
    const data = await readLabelledFile(path);
    assert.deepEqual(data.columns, { text: 'review', label: 'label' });
    await rejectsWith(
      readLabelledFile(file(dir, 'two.csv', 'title,body,label\nA title,a body,x\n')),
      /"title", "body" all hold text; name the text with --text-column \(its columns are "title", "body", "label"\)/,
    );
    await rejectsWith(
      readLabelledFile(path, { textColumn: 'comment' }),
      /has no column "comment" \(--text-column\); its columns are "id", "review", "stars", "label"/,
    );
    await rejectsWith(
      readLabelledFile(file(dir, 'nolabel.csv', 'text,topic\nhello,a\n')),
      /no label column named label, labels, category, class; name it with --label-column/,
    );
    const named = await readLabelledFile(file(dir, 'topic.csv', 'text,topic\nhello,a\n'), {
      labelColumn: 'topic',
    });
    assert.equal(named.rows[0]?.label, 'a');
  }),
);

test(
  'integer labels become names; an empty text or a missing label is refused by line, or with skipEmpty left out and counted',
  withDir(async (dir) => {
    const jsonl = [
      { text: 'a', label: 1 },
      { text: '', label: 0 },
      { text: 'b', label: null },
      { text: 'c', label: 0 },
    ]
      .map((r) => JSON.stringify(r))
      .join('\n');
    const path = file(dir, 'ints.jsonl', jsonl);
    await rejectsWith(
      readLabelledFile(path),
      /ints\.jsonl line 2: the text in column "text" is empty; every row needs a text \(fix the file, or pass --skip-empty/,
    );
    const data = await readLabelledFile(path, { skipEmpty: true });
    assert.deepEqual(
      data.rows.map((r) => r.label),
      ['1', '0'],
    );
    assert.deepEqual(data.skipped, { emptyText: 1, missingLabel: 1 });
    await rejectsWith(
      readLabelledFile(file(dir, 'nolabel.jsonl', '{"text":"a","label":"x"}\n{"text":"b"}\n')),
      /nolabel\.jsonl line 2: there is no label in column "label"; every row needs a label/,
    );
    const parquet = new Uint8Array(
      parquetWriteBuffer({
        columnData: [
          { name: 'text', data: ['a', ' ', 'c'], type: 'STRING' },
          { name: 'label', data: ['x', 'y', 'x'], type: 'STRING' },
        ],
      }),
    );
    await rejectsWith(
      readLabelledFile(file(dir, 'gap.parquet', parquet)),
      /gap\.parquet row 2: the text in column "text" is empty/,
    );
  }),
);

test(
  'sentence pairs: --text-pair-column',
  withDir(async (dir) => {
    const path = file(
      dir,
      'nli.tsv',
      'premise\thypothesis\tlabel\nA man sleeps.\tA person rests.\tentailment\n',
    );
    const data = await readLabelledFile(path, { textColumn: 'premise', textPairColumn: 'hypothesis' });
    assert.deepEqual(data.columns, { text: 'premise', label: 'label', textPair: 'hypothesis' });
    assert.equal(data.rows[0]?.textPair, 'A person rests.');
  }),
);

test(
  'multi-label: lists in JSON Lines, separated strings in CSV; a list without --multi-label is an error',
  withDir(async (dir) => {
    const jsonl = file(dir, 'm.jsonl', '{"text":"x","labels":["a","b","a"]}\n{"text":"y","labels":[]}\n');
    // An empty list is a row with none of the labels only when asked for; else it names its line.
    const fromJson = await readLabelledFile(jsonl, { multiLabel: true, allowEmptyLabels: true });
    assert.deepEqual(
      fromJson.rows.map((r) => r.labels),
      [['a', 'b'], []],
    );
    await rejectsWith(
      readLabelledFile(jsonl, { multiLabel: true }),
      /m\.jsonl line 2: there is no label in column "labels"; every row of multi-label data needs at least one/,
    );
    const skipped = await readLabelledFile(jsonl, { multiLabel: true, skipEmpty: true });
    assert.equal(skipped.rows.length, 1);
    assert.equal(skipped.skipped.missingLabel, 1);
    const csv = file(dir, 'm.csv', 'text,labels\nx,"a|b"\ny,c\n');
    const fromCsv = await readLabelledFile(csv, { multiLabel: true, labelSeparator: '|' });
    assert.deepEqual(
      fromCsv.rows.map((r) => r.labels),
      [['a', 'b'], ['c']],
    );
    await rejectsWith(readLabelledFile(jsonl), /line 1 has a list of labels in "labels"; pass --multi-label/);
  }),
);

test(
  'broken files are one sentence that says where',
  withDir(async (dir) => {
    await rejectsWith(
      readLabelledFile(file(dir, 'bad.jsonl', '{"text":"a","label":"x"}\n{"text": oops}\n')),
      /bad\.jsonl line 2 is not valid JSON/,
    );
    await rejectsWith(readLabelledFile(file(dir, 'arr.jsonl', '[1,2]\n')), /line 1 is not a JSON object/);
    const gz = gzipSync('text,label\n' + 'some text,a\n'.repeat(2000));
    await rejectsWith(
      readLabelledFile(file(dir, 'cut.csv.gz', gz.subarray(0, gz.length >> 1))),
      /cut\.csv\.gz is a damaged or truncated gzip file/,
    );
    await rejectsWith(
      readLabelledFile(file(dir, 'x.parquet', 'not parquet at all')),
      /could not be read as Parquet/,
    );
    await rejectsWith(readLabelledFile(file(dir, 'empty.csv', 'text,label\n')), /has no rows/);
    await rejectsWith(
      readLabelledFile(file(dir, 'dup.csv', 'text,text,label\na,b,c\n')),
      /names the column "text" twice/,
    );
    assert.throws(() => formatOf('data.xlsx'), /Cannot tell the format of data\.xlsx/);
    assert.equal(formatOf('DEV.TSV.GZ'), 'tsv');
  }),
);

test(
  'texts to classify: the text column by name, the CFPB narrative, or the only text column (labels aside)',
  withDir(async (dir) => {
    const labelled = await readTextFile(
      file(dir, 'l.csv', 'id,review,label\n1,great card,good\n2,slow,bad\n'),
    );
    assert.deepEqual(labelled.columns, { text: 'review' });
    assert.deepEqual(
      labelled.rows.map((r) => [r.text, r.line]),
      [
        ['great card', 2],
        ['slow', 3],
      ],
    );
    const cfpb = await readTextFile(
      file(dir, 'c.csv', 'Product,Consumer complaint narrative\nMortgage,late fee\n'),
    );
    assert.equal(cfpb.columns.text, 'Consumer complaint narrative');
    const pairs = await readTextFile(file(dir, 'p.jsonl', '{"premise":"a","hypothesis":"b"}\n'), {
      textColumn: 'premise',
      textPairColumn: 'hypothesis',
    });
    assert.deepEqual(pairs.rows, [{ text: 'a', textPair: 'b', line: 1 }]);
    await rejectsWith(
      readTextFile(file(dir, 'e.tsv', 'text\ta\n\tb\n')),
      /e\.tsv line 2: the text in column "text" is empty; there is nothing to classify/,
    );
    const skipped = await readTextFile(file(dir, 'e2.tsv', 'text\tx\nfine\ta\n\tb\n'), { skipEmpty: true });
    assert.equal(skipped.rows.length, 1);
    assert.equal(skipped.skipped, 1);
  }),
);

test(
  'sentence pairs go through a split file and back (text,text_pair,label)',
  withDir(async (dir) => {
    const rows = [
      { text: 'A man sleeps.', textPair: 'A person rests.', label: 'entailment' },
      { text: 'A man sleeps, "soundly".', textPair: 'Nobody sleeps.', label: 'contradiction' },
    ];
    const csv = formatSplitCsv(rows);
    assert.match(csv, /^text,text_pair,label\n/);
    const labels = LabelMap.fromClasses(rows.map((r) => r.label));
    const read = await readSplit(file(dir, 'train.csv', csv), labels);
    assert.deepEqual(
      read,
      rows.map((r) => ({ text: r.text, textPair: r.textPair, label: labels.idOf(r.label) })),
    );
    // A split without pairs keeps its two columns.
    assert.match(formatSplitCsv([{ text: 'x', label: 'a' }]), /^text,label\nx,a\n$/);
  }),
);
