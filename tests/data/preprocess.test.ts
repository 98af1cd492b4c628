import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { preprocessComplaints } from '../../src/data/preprocess.js';
import { formatPreprocessedFiles, loadPreprocessed } from '../../src/data/split-files.js';
import { writeNamedFiles } from '../../src/io/named-files.js';
import { formatSummary } from '../../src/data/summary-text.js';
import { formatCsv } from '../../src/data/csv.js';
import { requireShared } from '../helpers/shared.js';
import { withRng } from '../helpers/preprocess-options.js';

const LONG = 'I have asked the company many times to fix this error on my account but nothing happened';
const SHORT = 'Too short, only five words.';

/** A synthetic export: products of three naming schemes, a rare class, short and missing narratives. */
function syntheticCsv(): string {
  const rows: string[][] = [];
  const add = (product: string, count: number, narrative = LONG): void => {
    for (let i = 0; i < count; i++)
      rows.push(['2020-01-01', product, '', '', `${narrative} #${i}.`, String(rows.length)]);
  };
  add('Debt collection', 60);
  add('Credit card', 30);
  add('Prepaid card', 25); // merged with Credit card: 55
  add('Mortgage', 52);
  add('Mortgage', 5, SHORT); // 57 before dropping short texts, 52 after
  add('Student loan', 45);
  add('Student loan', 6, SHORT); // 51 before, 45 after: kept, since the threshold counts first
  add('Vehicle loan or lease', 10); // under 50: dropped
  rows.push(['', '', '', '', LONG, '']); // no product
  rows.push(['', 'Mortgage', '', '', '  ', '']); // blank narrative
  const header = [
    'Date received',
    'Product',
    'Sub-product',
    'Issue',
    'Consumer complaint narrative',
    'Complaint ID',
  ];
  return `\uFEFF${formatCsv(header, rows, '\r\n')}`;
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'lora-lab-pre-'));
}

test('the study preprocessing on a synthetic export: merge, threshold, clean, short texts, split', async () => {
  const dir = tempDir();
  try {
    const input = join(dir, 'raw.csv');
    writeFileSync(input, syntheticCsv());
    const result = await preprocessComplaints(
      input,
      withRng({
        classThreshold: 50,
        minWords: 10,
        testSize: 0.2,
        valSize: 0.1,
        seed: 42,
      }),
    );
    const { summary } = result;
    assert.deepEqual(summary.rows, {
      read: 235,
      missingProductOrNarrative: 2,
      notSampled: 0,
      inDroppedClasses: 10,
      tooShort: 11,
      kept: 212,
    });
    assert.deepEqual(summary.droppedClasses, { 'Vehicle loan or lease': 10 });
    assert.deepEqual(summary.tooShortByClass, { Mortgage: 5, 'Student loan': 6 });
    assert.deepEqual(summary.merged, {
      'Credit card': { into: 'Credit card or prepaid card', rows: 30 },
      'Prepaid card': { into: 'Credit card or prepaid card', rows: 25 },
    });
    assert.deepEqual(result.labelMap.names, [
      'Credit card or prepaid card',
      'Debt collection',
      'Mortgage',
      'Student loan',
    ]);
    assert.deepEqual(
      summary.classes.map((c) => [c.name, c.rows]),
      [
        ['Debt collection', 60],
        ['Credit card or prepaid card', 55],
        ['Mortgage', 52],
        ['Student loan', 45],
      ],
    );
    assert.deepEqual(summary.splits, { train: 147, val: 22, test: 43 }); // ceil(0.2 · 212), ceil(0.1 · 212)
    assert.equal(result.splits.train.length + result.splits.val.length + result.splits.test.length, 212);
    assert.match(
      result.splits.train[0].text,
      /^I have asked the company many times to fix this error on my account but nothing happened \d+$/,
    );
    assert.match(formatSummary(summary), /Kept 212 rows in 4 classes\./);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('same seed, same output; another seed, another split; exact sample sizes', async () => {
  const dir = tempDir();
  try {
    const input = join(dir, 'raw.csv');
    writeFileSync(input, syntheticCsv());
    const a = await preprocessComplaints(input, withRng({ seed: 7 }));
    const b = await preprocessComplaints(input, withRng({ seed: 7 }));
    const c = await preprocessComplaints(input, withRng({ seed: 8 }));
    assert.deepEqual(a.splits, b.splits);
    assert.notDeepEqual(a.splits.test, c.splits.test);

    const half = await preprocessComplaints(input, withRng({ sampleFrac: 0.5, classThreshold: 5, seed: 1 }));
    assert.equal(half.summary.rows.notSampled, 233 - Math.round(0.5 * 233));
    const again = await preprocessComplaints(input, withRng({ sampleFrac: 0.5, classThreshold: 5, seed: 1 }));
    assert.deepEqual(half.splits, again.splits);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('written splits load back with label ids; the split format is text,label', async () => {
  const dir = tempDir();
  try {
    const input = join(dir, 'raw.csv');
    writeFileSync(input, syntheticCsv());
    const result = await preprocessComplaints(input, withRng({ seed: 3 }));
    const out = join(dir, 'out');
    const files = formatPreprocessedFiles(result);
    // summary.json comes last: a directory with a summary is a whole one.
    assert.deepEqual(
      files.map((f) => f.name),
      ['train.csv', 'val.csv', 'test.csv', 'label_map.json', 'preprocessing.json', 'summary.json'],
    );
    assert.deepEqual(
      files.find((f) => f.name === 'label_map.json'),
      {
        name: 'label_map.json',
        json: result.labelMap.toJSON(),
      },
    );
    const withoutVal = await preprocessComplaints(input, withRng({ seed: 3, valSize: 0 }));
    assert.deepEqual(
      formatPreprocessedFiles(withoutVal).map((f) => f.name),
      ['train.csv', 'test.csv', 'label_map.json', 'preprocessing.json', 'summary.json'],
    );
    writeNamedFiles(out, files);
    assert.deepEqual(readdirSync(out).sort(), [
      'label_map.json',
      'preprocessing.json',
      'summary.json',
      'test.csv',
      'train.csv',
      'val.csv',
    ]);
    assert.equal(readFileSync(join(out, 'train.csv'), 'utf8').split('\n')[0], 'text,label');
    const loaded = await loadPreprocessed(out);
    assert.deepEqual(loaded.labelMap.names, result.labelMap.names);
    assert.equal(loaded.textCleaning, 'cfpb', 'the recipe cleans the texts, and says so');
    assert.deepEqual(
      loaded.test,
      result.splits.test.map((row) => ({ text: row.text, label: result.labelMap.idOf(row.label) })),
    );
    writeFileSync(join(out, 'val.csv'), 'text,label\nsome text,Unknown class\n');
    await assert.rejects(loadPreprocessed(out), {
      name: 'UserError',
      message: /val\.csv line 2 has the label "Unknown class", which the label map does not know/,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('nothing left, or one class left, is a user error', async () => {
  const dir = tempDir();
  try {
    const input = join(dir, 'raw.csv');
    writeFileSync(input, syntheticCsv());
    await assert.rejects(preprocessComplaints(input, withRng({ classThreshold: 1000 })), {
      name: 'UserError',
      message: /No rows of .* are left after preprocessing/,
    });
    await assert.rejects(preprocessComplaints(input, withRng({ classThreshold: 58 })), {
      name: 'UserError',
      message: /Only one class \(Debt collection\)/,
    });
    await assert.rejects(preprocessComplaints(input, withRng({ sampleFrac: 0 })), {
      name: 'UserError',
      message: 'The sample fraction must be above 0 and at most 1, got 0.',
    });
    writeFileSync(input, 'Product,Consumer complaint narrative\r\n');
    await assert.rejects(preprocessComplaints(input, withRng()), {
      name: 'UserError',
      message: /has a header but no rows/,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the shared complaints.csv gives the study counts: 6,086 rows in 9 classes', async (t) => {
  const input = requireShared(t, 'data', 'cfpb', 'complaints.csv');
  if (!input) return;
  const { summary, labelMap } = await preprocessComplaints(
    input,
    withRng({
      sampleFrac: 1,
      classThreshold: 50,
      minWords: 10,
      testSize: 0.2,
      valSize: 0,
      seed: 42,
    }),
  );
  assert.deepEqual(Object.fromEntries(summary.classes.map((c) => [c.name, c.rows])), {
    'Debt collection': 1736,
    'Credit reporting': 1567,
    Mortgage: 1022,
    'Credit card or prepaid card': 737,
    'Checking or savings account': 429,
    'Student loan': 257,
    'Consumer Loan': 207,
    'Payday or personal loan': 67,
    'Money transfer or virtual currency': 64,
  });
  assert.equal(summary.rows.kept, 6086);
  assert.deepEqual(summary.droppedClasses, { 'Vehicle loan or lease': 39, 'Other financial service': 7 });
  assert.deepEqual(summary.rows, {
    read: 6177,
    missingProductOrNarrative: 0,
    notSampled: 0,
    inDroppedClasses: 46,
    tooShort: 45,
    kept: 6086,
  });
  assert.equal(labelMap.size, 9);
  assert.equal(labelMap.idOf('Checking or savings account'), 0);
  assert.equal(labelMap.idOf('Student loan'), 8);
  assert.deepEqual(summary.splits, { train: 6086 - 1218, val: 0, test: 1218 });
});
