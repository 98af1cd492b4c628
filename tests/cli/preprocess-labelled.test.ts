import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { formatCsv } from '../../src/data/csv.js';
import { tinyRows, tinyWorkspace, type TinyWorkspace } from '../helpers/tiny-model.js';
import { runCli } from '../robustness/helpers/cli.js';
import { trainArgs } from '../robustness/helpers/train-runs.js';

/**
 * A public labelled data set as people have it: `text,category` in separate train and test files, no
 * label_map.json. preprocess turns it into what train reads; train then fine-tunes on it.
 */
let ws: TinyWorkspace;
before(async () => {
  ws = await tinyWorkspace('lora-lab-own-data-');
  const rows = tinyRows(90, 11);
  const csv = (part: typeof rows): string =>
    formatCsv(
      ['category', 'text'],
      part.map((r) => [r.label, r.text]),
    );
  writeFileSync(ws.path('train.csv'), csv(rows.slice(0, 70)));
  // One test row has a label the training file never has: reported, not a crash, not silent.
  writeFileSync(
    ws.path('test.csv.gz'),
    gzipSync(csv([...rows.slice(70), { text: 'card fee', label: 'Pension' }])),
  );
});
after(() => ws?.cleanup());

test('preprocess --train-file/--test-file: a text,category CSV pair becomes train/val/test splits and a label map', async () => {
  const out = ws.path('prepared');
  const r = await runCli([
    'preprocess',
    '--train-file',
    ws.path('train.csv'),
    '--test-file',
    ws.path('test.csv.gz'),
    '--output-dir',
    out,
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Columns: text "text", label "category"\./);
  assert.match(r.stdout, /left out 1 with labels the training split never saw \("Pension" 1\)/);
  assert.match(r.stdout, /Carved from the training file \(stratified, seed 42\): validation 0\.1\./);
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as {
    splits: { train: number; val: number; test: number };
    files: { test: { unseenLabels: Record<string, number> } };
  };
  // 0.1 of 70 training rows is 7 for validation; the test file's 20 rows, less the unseen one.
  assert.deepEqual(summary.splits, { train: 63, val: 7, test: 20 });
  assert.deepEqual(summary.files.test.unseenLabels, { Pension: 1 });
  const labelMap = JSON.parse(readFileSync(join(out, 'label_map.json'), 'utf8')) as {
    id2label: Record<string, string>;
  };
  assert.deepEqual(Object.values(labelMap.id2label), ['Credit card', 'Debt collection', 'Mortgage']);
  assert.match(readFileSync(join(out, 'test.csv'), 'utf8'), /^text,label\n/);

  const trained = await runCli(trainArgs('lora', { data: out, model: ws.model }, ws.path('run')));
  assert.equal(trained.code, 0, trained.stderr);
  const results = JSON.parse(readFileSync(ws.path('run', 'results.json'), 'utf8')) as {
    test: { accuracy: number };
  };
  assert.ok(results.test.accuracy >= 0 && results.test.accuracy <= 1);
});

test('preprocess: the wrong column, mixed modes and recipe-only flags are one sentence each', async () => {
  const cases: [string[], RegExp][] = [
    [
      ['--train-file', ws.path('train.csv'), '--text-column', 'body'],
      /has no column "body" \(--text-column\); its columns are "category", "text"\./,
    ],
    [
      ['--train-file', ws.path('train.csv'), '--class-threshold', '5'],
      /--class-threshold only apply with the cfpb recipe/,
    ],
    [
      ['--train-file', ws.path('train.csv'), '--input', ws.path('train.csv')],
      /either --train-file .* or --input .*, not both/,
    ],
    [[], /Give --train-file with a labelled text file/],
    [['--train-file', ws.path('missing.csv')], /Training file .*missing\.csv does not exist\./],
    [['--train-file', ws.path('train.csv'), '--recipe', 'imdb'], /--recipe accepts cfpb/],
  ];
  for (const [args, pattern] of cases) {
    const r = await runCli(['preprocess', ...args, '--output-dir', ws.path('bad')]);
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, pattern);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
});
