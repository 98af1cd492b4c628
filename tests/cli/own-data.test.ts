import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { formatCsv } from '../../src/data/csv.js';
import type { DataRecord } from '../../src/data/data-record.js';
import type { FileEvaluation } from '../../src/experiments/evaluate-file.js';
import { TINY_LABELS, tinyRows, writeTinyModel, type TinyRow } from '../helpers/tiny-model.js';
import { assertOneLineFailure, inParallel, listFiles, runCli } from '../robustness/helpers/cli.js';

/**
 * Your own data, without a preprocess step: train, evaluate, predict and experiments read a labelled
 * CSV, TSV, JSON Lines, Parquet or gzip-compressed file directly, carve what is missing, save the label
 * names with the model, and refuse bad input in one sentence that says where.
 */
let root = '';
let model = '';
const path = (...parts: string[]): string => join(root, ...parts);
const trainRows = tinyRows(60, 11);
const testRows = tinyRows(15, 12);

/** One file of the given rows in each format, under its own column names (and integer labels in Parquet). */
interface Format {
  name: string;
  file: (rows: TinyRow[], stem: string) => string;
  /** Flags that name the columns, where the names are not the conventional ones. */
  columns: string[];
  /** The label names the model ends up with. */
  labels: string[];
}

const csvOf = (rows: TinyRow[]): string =>
  formatCsv(
    ['category', 'text'],
    rows.map((r) => [r.label, r.text]),
  );

const FORMATS: Format[] = [
  {
    name: 'CSV',
    file: (rows, stem) => write(`${stem}.csv`, csvOf(rows)),
    columns: [],
    labels: TINY_LABELS,
  },
  {
    name: 'TSV',
    file: (rows, stem) =>
      write(`${stem}.tsv`, `sentence\tlabel\n${rows.map((r) => `${r.text}\t${r.label}`).join('\n')}\n`),
    columns: [],
    labels: TINY_LABELS,
  },
  {
    name: 'JSON Lines',
    file: (rows, stem) =>
      write(
        `${stem}.jsonl`,
        rows.map((r) => JSON.stringify({ id: 1, body: r.text, topic: r.label })).join('\n'),
      ),
    columns: ['--text-column', 'body', '--label-column', 'topic'],
    labels: TINY_LABELS,
  },
  {
    name: 'Parquet',
    file: (rows, stem) =>
      write(
        `${stem}.parquet`,
        new Uint8Array(
          parquetWriteBuffer({
            columnData: [
              { name: 'text', data: rows.map((r) => r.text), type: 'STRING' },
              { name: 'label', data: rows.map((r) => TINY_LABELS.indexOf(r.label)), type: 'INT32' },
            ],
          }),
        ),
      ),
    columns: [],
    labels: ['0', '1', '2'],
  },
  {
    name: 'gzip CSV',
    file: (rows, stem) => write(`${stem}.csv.gz`, gzipSync(csvOf(rows))),
    columns: [],
    labels: TINY_LABELS,
  },
];

function write(name: string, content: string | Uint8Array): string {
  writeFileSync(path(name), content);
  return path(name);
}

const TRAIN = ['--max-steps', '2', '--batch-size', '4', '--max-len', '32', '--quiet', '--seed', '3'];

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'lora-lab-own-data-cli-'));
  // 128 positions: the presets' length, so that experiments runs on it too.
  model = await writeTinyModel(path('model'), { maxPositions: 128 });
});
after(() => rmSync(root, { recursive: true, force: true }));

const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;

for (const [i, format] of FORMATS.entries()) {
  test(`train and evaluate from a ${format.name} file; predict writes one prediction per row`, async () => {
    const train = format.file(trainRows, `train-${i}`);
    const testFile = format.file(testRows, `test-${i}`);
    const run = path(`run-${i}`);
    const trained = await runCli([
      'train',
      '--method',
      'full',
      '--train-file',
      train,
      ...format.columns,
      '--base-model',
      model,
      '--output-dir',
      run,
      ...TRAIN,
    ]);
    assert.equal(trained.code, 0, trained.stderr);

    const config = readJson<{ id2label: Record<string, string> }>(join(run, 'model', 'config.json'));
    assert.deepEqual(Object.values(config.id2label), format.labels);
    const results = readJson<{ data: DataRecord; test: { examples: number } }>(join(run, 'results.json'));
    // No test or validation file: 0.2 and 0.1 of the 60 rows are carved, stratified (seed 42).
    assert.deepEqual(results.data.splits, { train: 42, val: 6, test: 12 });
    assert.equal(results.data.files[0]!.path, train);
    assert.equal(results.data.files[0]!.rows, 60);
    assert.equal(results.data.val_from, 'carved');
    assert.deepEqual(results.data.carved, { val_size: 0.1, test_size: 0.2, seed: 42 });
    assert.equal(results.test.examples, 12);

    const evaluated = await runCli([
      'evaluate',
      '--model',
      join(run, 'model'),
      '--test-file',
      testFile,
      ...format.columns,
      '--json',
      '--quiet',
    ]);
    assert.equal(evaluated.code, 0, evaluated.stderr);
    const evaluation = JSON.parse(evaluated.stdout) as FileEvaluation;
    assert.equal(evaluation.layout, 'labelled');
    assert.equal(evaluation.scored, testRows.length);
    assert.deepEqual(evaluation.metrics.labels, format.labels);
    assert.equal(
      evaluation.metrics.confusion.flat().reduce((a, b) => a + b, 0),
      testRows.length,
    );

    const output = path(`predictions-${i}.${i % 2 === 0 ? 'jsonl' : 'csv'}`);
    const predicted = await runCli([
      'predict',
      '--model',
      join(run, 'model'),
      '--input-file',
      testFile,
      ...format.columns.slice(0, 2),
      '--output',
      output,
    ]);
    assert.equal(predicted.code, 0, predicted.stderr);
    assert.match(predicted.stdout, new RegExp(`Wrote ${testRows.length} predictions to `));
    const lines = readFileSync(output, 'utf8').trimEnd().split('\n');
    if (output.endsWith('.jsonl')) {
      const records = lines.map((l) => JSON.parse(l) as { text: string; label: string });
      assert.deepEqual(
        records.map((r) => r.text),
        testRows.map((r) => r.text),
      );
      assert.ok(records.every((r) => format.labels.includes(r.label)));
    } else {
      assert.equal(lines[0], 'line,text,label,score');
      assert.equal(lines.length, testRows.length + 1);
    }
  });
}

test('train with a test file: its unseen labels are left out, counted, and named in results.json', async () => {
  const train = write('own-train.csv', csvOf(trainRows));
  const testFile = write('own-test.csv', csvOf([...testRows, { text: 'card fee', label: 'Pension' }]));
  const run = path('run-with-test');
  const r = await runCli([
    'train',
    '--method',
    'lora',
    '--train-file',
    train,
    '--test-file',
    testFile,
    '--val-size',
    '0',
    '--base-model',
    model,
    '--output-dir',
    run,
    ...TRAIN.filter((f) => f !== '--quiet'),
  ]);
  assert.equal(r.code, 0, r.stderr);
  const { data } = readJson<{ data: DataRecord }>(join(run, 'results.json'));
  assert.deepEqual(data.splits, { train: 60, val: 0, test: 15 });
  assert.equal(data.val_from, 'none');
  assert.equal(data.test_from, 'file');
  assert.deepEqual(data.files[1], {
    role: 'test',
    path: testFile,
    format: 'csv',
    rows: 16,
    dropped: { unseen_label: 1 },
    unseen_labels: { Pension: 1 },
  });
  assert.deepEqual(data.columns, { text: 'text', label: 'category' });
  const log = readFileSync(join(run, 'train.log'), 'utf8');
  assert.match(
    log,
    /Test file .*own-test\.csv \(csv\): 16 rows; left out 1 with a label the training split does not have \("Pension" 1\)\./,
  );
  assert.match(log, /Columns: text "text", label "category"\./);
  // The adapter carries the label names (PEFT's files have none).
  const labelMap = readJson<{ id2label: Record<string, string> }>(join(run, 'adapter', 'label_map.json'));
  assert.deepEqual(Object.values(labelMap.id2label), TINY_LABELS);
});

test('experiments --train-file runs the comparison and the report on your own data', async () => {
  const train = write('study-train.jsonl', trainRows.map((r) => JSON.stringify(r)).join('\n'));
  const out = path('study');
  const r = await runCli([
    'experiments',
    '--train-file',
    train,
    '--methods',
    'full,lora',
    '--base-model',
    model,
    '--output-dir',
    out,
    '--max-steps',
    '2',
    '--preset',
    'reference',
    '--quiet',
  ]);
  assert.equal(r.code, 0, r.stderr);
  // The reference preset carves no validation split; its test fraction is 0.2.
  const results = readJson<{ data: DataRecord }>(join(out, 'runs', 'lora', 'seed-42', 'results.json'));
  assert.deepEqual(results.data.splits, { train: 48, val: 0, test: 12 });
  assert.equal(results.data.files[0]!.path, train);
  const report = readFileSync(join(out, 'comparison.md'), 'utf8');
  assert.match(report, /## Data\n\n- Training file .*study-train\.jsonl \(jsonl\): 60 rows\./);
  assert.match(report, /- Columns: text "text", label "label"\./);
  assert.match(
    report,
    /- Splits: 48 train, no validation split, 12 test rows; carved from the training file \(stratified, seed 42\): test 0\.2\./,
  );
  assert.match(readFileSync(join(out, 'report.html'), 'utf8'), /<h2>Data<\/h2>/);
  const comparison = readJson<{ data: DataRecord[] }>(join(out, 'comparison.json'));
  assert.equal(comparison.data.length, 1);
});

test('bad input: one sentence naming the file, the line and the column; exit 1; nothing written', async () => {
  const good = write('good.csv', csvOf(trainRows));
  const oneClass = write('one-class.csv', csvOf(trainRows.map((r) => ({ ...r, label: 'Mortgage' }))));
  const rows = csvOf(trainRows).split('\n');
  rows[3] = 'Mortgage,""';
  const emptyText = write('empty-text.csv', rows.join('\n'));
  const notJson = write(
    'broken.jsonl',
    `${JSON.stringify(trainRows[0])}\n${JSON.stringify(trainRows[1])}\n{"text": "unterminated\n`,
  );
  const notParquet = write('fake.parquet', 'text,label\nthis is a CSV,a\n');
  const train = (file: string, ...more: string[]): string[] => [
    'train',
    '--method',
    'full',
    '--train-file',
    file,
    '--base-model',
    model,
    '--output-dir',
    path('bad-run'),
    ...TRAIN,
    ...more,
  ];
  const cases: [string, string[], RegExp][] = [
    [
      'a misspelt column',
      train(good, '--text-column', 'txt'),
      /good\.csv has no column "txt" \(--text-column\); its columns are "category", "text"\.$/,
    ],
    [
      'a missing label column',
      train(good, '--label-column', 'labels'),
      /good\.csv has no column "labels" \(--label-column\); its columns are "category", "text"\.$/,
    ],
    [
      'a label column with one class',
      train(oneClass),
      /The label column "category" of .*one-class\.csv has only one class \("Mortgage"\); a classifier needs at least two\.$/,
    ],
    [
      'an empty text',
      train(emptyText),
      /empty-text\.csv line 4: the text in column "text" is empty; every row needs a text \(fix the file, or pass --skip-empty/,
    ],
    ['a JSONL line that is not JSON', train(notJson), /broken\.jsonl line 3 is not valid JSON/],
    ['a Parquet file that is not Parquet', train(notParquet), /fake\.parquet could not be read as Parquet: /],
    ['a missing file', train(path('nope.csv')), /Training file .*nope\.csv does not exist\.$/],
    [
      'both --data-dir and --train-file',
      train(good, '--data-dir', path('somewhere')),
      /either with --train-file .* or with --data-dir .*, not both and not neither\.$/,
    ],
    [
      'a split flag without --train-file',
      [
        'experiments',
        '--input',
        good,
        '--val-size',
        '0.2',
        '--base-model',
        model,
        '--output-dir',
        path('bad-run'),
      ],
      /--val-size only applies with --train-file/,
    ],
    [
      'experiments on one class',
      [
        'experiments',
        '--train-file',
        oneClass,
        '--base-model',
        model,
        '--output-dir',
        path('bad-run'),
        '--max-steps',
        '1',
      ],
      /has only one class \("Mortgage"\)/,
    ],
    [
      'predict on an empty text',
      ['predict', '--model', model, '--input-file', emptyText, '--output', path('bad-run', 'p.jsonl')],
      /empty-text\.csv line 4: the text in column "text" is empty; there is nothing to classify/,
    ],
    [
      'predict to a file of another kind',
      ['predict', '--model', model, '--input-file', good, '--output', path('bad-run', 'p.txt')],
      /--output .*p\.txt: name the file \.jsonl .* or \.csv\.$/,
    ],
  ];
  const results = await inParallel(
    cases.map(
      ([, args]) =>
        () =>
          runCli(args),
    ),
    2,
  );
  results.forEach((result, k) => {
    const [name, , pattern] = cases[k]!;
    const line = assertOneLineFailure(result, name);
    assert.equal(result.code, 1, `${name}: ${line}`);
    assert.match(line, pattern, name);
    assert.deepEqual(listFiles(path('bad-run')), [], `${name} left files behind`);
  });
});

test('evaluate refuses a test file with labels the model cannot know, unless --skip-unknown-labels', async () => {
  const run = path('run-0');
  assert.ok(existsSync(join(run, 'model')), 'the CSV test trains the model first');
  const testFile = write(
    'unknown.csv',
    csvOf([...testRows, { text: 'my pension', label: 'Pension' }, { text: 'pension', label: 'Pension' }]),
  );
  const args = ['evaluate', '--model', join(run, 'model'), '--test-file', testFile, '--json', '--quiet'];
  const refused = await runCli(args);
  const line = assertOneLineFailure(refused, 'unknown labels');
  assert.equal(refused.code, 1);
  assert.match(
    line,
    /unknown\.csv has 2 rows in column "category" with labels the model does not know \("Pension" 2; it knows "Credit card", "Debt collection", "Mortgage"\); pass --skip-unknown-labels to score the other rows\.$/,
  );
  const scored = await runCli([...args, '--skip-unknown-labels']);
  assert.equal(scored.code, 0, scored.stderr);
  const evaluation = JSON.parse(scored.stdout) as FileEvaluation;
  assert.deepEqual(evaluation.unknown_classes, { Pension: 2 });
  assert.equal(evaluation.scored, testRows.length);
  assert.equal(evaluation.rows, testRows.length + 2);
});

/** A premise, a hypothesis that repeats its words or comes from another row, and which of the two it is. */
function pairRows(count: number, seed: number): string[][] {
  const a = tinyRows(count, seed);
  const b = tinyRows(count, seed + 1);
  return a.map((row, i) => {
    const same = i % 2 === 0;
    const hypothesis = same ? row.text.split(' ').reverse().join(' ') : b[(i + 1) % count]!.text;
    return [row.text, hypothesis, same ? 'same' : 'other'];
  });
}

test('sentence pairs (--text-pair-column): train, evaluate and predict read both texts', async () => {
  const header = ['premise', 'hypothesis', 'label'];
  const train = write('pairs.csv', formatCsv(header, pairRows(40, 5)));
  const testFile = write('pairs-test.tsv', [header, ...pairRows(10, 9)].map((r) => r.join('\t')).join('\n'));
  const columns = ['--text-column', 'premise', '--text-pair-column', 'hypothesis'];
  const run = path('run-pairs');
  const trained = await runCli([
    'train',
    '--method',
    'full',
    '--train-file',
    train,
    ...columns,
    '--base-model',
    model,
    '--output-dir',
    run,
    ...TRAIN,
  ]);
  assert.equal(trained.code, 0, trained.stderr);
  const { data } = readJson<{ data: DataRecord }>(join(run, 'results.json'));
  assert.deepEqual(data.columns, { text: 'premise', label: 'label', text_pair: 'hypothesis' });
  const config = readJson<{ id2label: Record<string, string> }>(join(run, 'model', 'config.json'));
  assert.deepEqual(Object.values(config.id2label), ['other', 'same']);

  const evaluated = await runCli([
    'evaluate',
    '--model',
    join(run, 'model'),
    '--test-file',
    testFile,
    ...columns,
    '--json',
    '--quiet',
  ]);
  assert.equal(evaluated.code, 0, evaluated.stderr);
  const evaluation = JSON.parse(evaluated.stdout) as FileEvaluation;
  assert.equal(evaluation.scored, 10);
  assert.deepEqual(evaluation.columns, { text: 'premise', label: 'label', text_pair: 'hypothesis' });

  // preprocess writes the pairs into its splits; evaluate --input scores such a split with both texts.
  const prepared = path('pairs-prepared');
  const pre = await runCli([
    'preprocess',
    '--train-file',
    train,
    ...columns,
    '--output-dir',
    prepared,
    '--quiet',
  ]);
  assert.equal(pre.code, 0, pre.stderr);
  const split = join(prepared, 'test.csv');
  assert.match(readFileSync(split, 'utf8'), /^text,text_pair,label\n/);
  const scores = async (...args: string[]): Promise<FileEvaluation> => {
    const r = await runCli(['evaluate', '--model', join(run, 'model'), ...args, '--json', '--quiet']);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as FileEvaluation;
  };
  const asSplit = await scores('--input', split);
  const asFile = await scores('--test-file', split, '--text-pair-column', 'text_pair');
  assert.equal(asSplit.scored, 8);
  assert.deepEqual(asSplit.metrics, asFile.metrics);

  // The same premise with two hypotheses: the second text reaches the model.
  const two = write(
    'two-pairs.csv',
    formatCsv(
      ['premise', 'hypothesis'],
      [
        ['card fee', 'card fee'],
        ['card fee', 'mortgage escrow'],
      ],
    ),
  );
  const output = path('pairs.jsonl');
  const predicted = await runCli([
    'predict',
    '--model',
    join(run, 'model'),
    '--input-file',
    two,
    ...columns,
    '--output',
    output,
  ]);
  assert.equal(predicted.code, 0, predicted.stderr);
  const [first, second] = readFileSync(output, 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as { text_pair: string; scores: Record<string, number> });
  assert.equal(first!.text_pair, 'card fee');
  assert.notDeepEqual(first!.scores, second!.scores);
});
