import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatCsv } from '../../src/data/csv.js';
import type { DataRecord } from '../../src/data/data-record.js';
import type { FileEvaluation } from '../../src/experiments/evaluate-file.js';
import { loadClassifier, predictTexts } from '../../src/experiments/classifier.js';
import type { RunResults } from '../../src/train/results.js';
import { Rng } from '../../src/tensor/random.js';
import { TINY_CLASSES, TINY_LABELS, writeTinyModel } from '../helpers/tiny-model.js';
import { assertOneLineFailure, inParallel, listFiles, runCli } from '../robustness/helpers/cli.js';

/**
 * Multi-label classification from the command line: label lists in JSON Lines and separated labels in
 * CSV train (full and LoRA) one sigmoid per label; the saved model says multi_label_classification in
 * its config.json (the adapter in its label_map.json); evaluate and predict read it back and give the
 * numbers training gave; bad multi-label input is one sentence naming the row.
 */
let root = '';
let model = '';
const path = (...parts: string[]): string => join(root, ...parts);

interface MultiRow {
  text: string;
  labels: string[];
}

/** Every fourth row has two labels, some rows (with `empty`) none; each label brings words of its own. */
function multiRows(count: number, seed: number, empty = false): MultiRow[] {
  const rng = new Rng(seed);
  const shared = ['i', 'my', 'the', 'was', 'and', 'bank'];
  return Array.from({ length: count }, (_, i) => {
    const first = TINY_LABELS[i % TINY_LABELS.length]!;
    const labels =
      empty && i % 7 === 6 ? [] : i % 4 === 0 ? [first, TINY_LABELS[(i + 1) % TINY_LABELS.length]!] : [first];
    const words: string[] = [];
    for (const label of labels.length > 0 ? labels : ['none']) {
      const own = TINY_CLASSES[label] ?? shared;
      for (let w = 0; w < 3; w++) words.push(own[rng.int(own.length)]!, shared[rng.int(shared.length)]!);
    }
    return { text: words.join(' '), labels };
  });
}

const trainRows = multiRows(48, 21);
const testRows = multiRows(12, 22);

function write(name: string, content: string): string {
  writeFileSync(path(name), content);
  return path(name);
}
const jsonlOf = (rows: MultiRow[]): string => rows.map((r) => JSON.stringify(r)).join('\n');
const csvOf = (rows: MultiRow[], separator: string): string =>
  formatCsv(
    ['text', 'tags'],
    rows.map((r) => [r.text, r.labels.join(separator)]),
  );
const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;

const TRAIN = ['--max-steps', '3', '--batch-size', '4', '--max-len', '32', '--quiet', '--seed', '5'];

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'lora-lab-multi-label-cli-'));
  model = await writeTinyModel(path('model'), { maxPositions: 128 });
});
after(() => rmSync(root, { recursive: true, force: true }));

/** Train on `train` (with `testFile` as the test split), then check the saved model against results.json. */
async function trainAndCheck(
  method: 'full' | 'lora',
  train: string,
  testFile: string,
  run: string,
  columns: string[],
): Promise<RunResults> {
  const trained = await runCli([
    'train',
    '--method',
    method,
    '--train-file',
    train,
    '--test-file',
    testFile,
    '--multi-label',
    ...columns,
    '--base-model',
    model,
    '--output-dir',
    run,
    ...TRAIN,
  ]);
  assert.equal(trained.code, 0, trained.stderr);
  assert.match(
    trained.stdout,
    /test subset accuracy \d\.\d{4}, F1 micro \d\.\d{4}, F1 macro \d\.\d{4}, F1 samples/,
  );
  const results = readJson<RunResults & { data: DataRecord }>(join(run, 'results.json'));
  assert.equal(results.config.problem_type, 'multi_label_classification');
  assert.equal(results.config.threshold, 0.5);
  assert.equal(results.test.examples, testRows.length);
  assert.deepEqual(results.test.labels, TINY_LABELS);
  assert.deepEqual(results.test.confusion, []);
  const m = results.test.multi_label!;
  assert.equal(m.threshold, 0.5);
  assert.equal(m.subset_accuracy, results.test.accuracy);
  for (const value of [m.f1_micro, m.f1_samples, m.hamming_loss, results.test.f1_macro]) {
    assert.ok(value >= 0 && value <= 1, `a score out of [0, 1]: ${value}`);
  }
  // Each label's support is the number of test rows that have it.
  for (const label of TINY_LABELS) {
    assert.equal(
      results.test.per_class[label]!.support,
      testRows.filter((r) => r.labels.includes(label)).length,
      label,
    );
  }
  assert.ok(Number.isFinite(results.history[0]!.train_loss) && results.history[0]!.train_loss > 0);

  // The saved model (or adapter) scores the test file exactly as training's last evaluation did.
  const where = method === 'full' ? ['--model', join(run, 'model')] : ['--adapter', join(run, 'adapter')];
  const evaluated = await runCli([
    'evaluate',
    ...where,
    '--test-file',
    testFile,
    ...columns,
    '--batch-size',
    '4',
    '--json',
    '--quiet',
  ]);
  assert.equal(evaluated.code, 0, evaluated.stderr);
  const evaluation = JSON.parse(evaluated.stdout) as FileEvaluation;
  assert.equal(evaluation.scored, testRows.length);
  assert.deepEqual(evaluation.metrics.multi_label, results.test.multi_label);
  assert.deepEqual(evaluation.metrics.per_class, results.test.per_class);
  assert.equal(evaluation.metrics.f1_macro, results.test.f1_macro);
  return results;
}

test('full fine-tuning from JSON Lines label lists: config.json says multi-label, evaluate and predict agree', async () => {
  const train = write('train.jsonl', jsonlOf(trainRows));
  const testFile = write('test.jsonl', jsonlOf(testRows));
  const run = path('run-full');
  await trainAndCheck('full', train, testFile, run, []);

  const config = readJson<{ problem_type: string; id2label: Record<string, string> }>(
    join(run, 'model', 'config.json'),
  );
  assert.equal(config.problem_type, 'multi_label_classification');
  assert.deepEqual(Object.values(config.id2label), TINY_LABELS);

  // Loaded back in process: a multi-label model whose probabilities are each label's sigmoid.
  const loaded = await loadClassifier({ model: join(run, 'model') });
  assert.equal(loaded.multiLabel, true);
  assert.equal(loaded.model.config.problemType, 'multi_label_classification');
  const texts = testRows.map((r) => r.text);
  const inProcess = [
    ...predictTexts(loaded.model, loaded.tokenizer, loaded.labels, texts, { maxLen: 32, batchSize: 4 }),
  ];
  for (const p of inProcess) {
    p.logits.forEach((logit, j) => assert.ok(Math.abs(p.probs[j]! - 1 / (1 + Math.exp(-logit))) < 1e-6));
    assert.deepEqual(
      p.labels,
      loaded.labels
        .filter((_, j) => p.probs[j]! >= 0.5)
        .sort((a, b) => p.probs[loaded.labels.indexOf(b)]! - p.probs[loaded.labels.indexOf(a)]!),
    );
  }

  // predict writes each row's label set and every label's probability, the same as in process.
  const output = path('predictions.jsonl');
  const predicted = await runCli([
    'predict',
    '--model',
    join(run, 'model'),
    '--input-file',
    testFile,
    '--max-len',
    '32',
    '--batch-size',
    '4',
    '--backend',
    'reference',
    '--output',
    output,
  ]);
  assert.equal(predicted.code, 0, predicted.stderr);
  const records = readFileSync(output, 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as { labels: string[]; scores: Record<string, number> });
  assert.equal(records.length, testRows.length);
  records.forEach((r, i) => {
    assert.deepEqual(r.labels, inProcess[i]!.labels);
    for (const [j, name] of loaded.labels.entries())
      assert.ok(Math.abs(r.scores[name]! - inProcess[i]!.probs[j]!) < 1e-6);
  });

  // A threshold of 0.99 keeps fewer labels; the printed form names the set.
  const strict = await runCli([
    'predict',
    '--model',
    join(run, 'model'),
    '--text',
    testRows[0]!.text,
    '--threshold',
    '0.99',
    '--json',
  ]);
  assert.equal(strict.code, 0, strict.stderr);
  const one = JSON.parse(strict.stdout) as { labels: string[]; scores: Record<string, number> };
  assert.deepEqual(
    one.labels,
    Object.keys(one.scores).filter((name) => one.scores[name]! >= 0.99),
  );
  const shown = await runCli(['predict', '--model', join(run, 'model'), '--text', testRows[0]!.text]);
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, /^\[1\] (.+|\(no label reaches 0\.5\)) {2}"/);
});

test('LoRA from a CSV with "|" between labels: the adapter records multi-label, evaluate agrees', async () => {
  const train = write('train.csv', csvOf(trainRows, '|'));
  const testFile = write('test.csv', csvOf(testRows, '|'));
  const run = path('run-lora');
  const columns = ['--label-column', 'tags', '--label-separator', '|'];
  const results = await trainAndCheck('lora', train, testFile, run, columns);
  assert.deepEqual(results.data!.multi_label, { separator: '|', allow_empty_labels: false });
  const labelMap = readJson<{ problem_type: string; id2label: Record<string, string> }>(
    join(run, 'adapter', 'label_map.json'),
  );
  assert.equal(labelMap.problem_type, 'multi_label_classification');
  assert.deepEqual(Object.values(labelMap.id2label), TINY_LABELS);
  assert.match(
    readFileSync(join(run, 'train.log'), 'utf8'),
    /Columns: text "text", labels "tags" \(multi-label: lists, or text split at "\|"\)\./,
  );

  // The text form of evaluate leads with the multi-label averages.
  const shown = await runCli([
    'evaluate',
    '--adapter',
    join(run, 'adapter'),
    '--test-file',
    testFile,
    ...columns,
    '--quiet',
  ]);
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(
    shown.stdout,
    /multi-label, threshold 0\.5: subset accuracy \d\.\d{4} {2}F1 micro \d\.\d{4} {2}F1 macro/,
  );

  const output = path('predictions.csv');
  const predicted = await runCli([
    'predict',
    '--adapter',
    join(run, 'adapter'),
    '--input-file',
    testFile,
    '--output',
    output,
    '--label-separator',
    ';',
  ]);
  assert.equal(predicted.code, 0, predicted.stderr);
  const lines = readFileSync(output, 'utf8').trimEnd().split('\n');
  assert.equal(lines[0], 'line,text,labels,label,score');
  assert.equal(lines.length, testRows.length + 1);
});

test('rows without labels: refused with their line, or all-negative with --allow-empty-labels', async () => {
  const rows = multiRows(48, 23, true);
  const train = write('empty.csv', csvOf(rows, ','));
  const args = (...more: string[]): string[] => [
    'train',
    '--method',
    'full',
    '--train-file',
    train,
    '--label-column',
    'tags',
    '--multi-label',
    '--base-model',
    model,
    '--output-dir',
    path('run-empty'),
    ...TRAIN,
    ...more,
  ];
  const refused = await runCli(args());
  const line = assertOneLineFailure(refused, 'a row without labels');
  assert.equal(refused.code, 1);
  // Row 7 of the data (index 6) is on line 8, after the header.
  assert.match(
    line,
    /empty\.csv line 8: there is no label in column "tags"; every row of multi-label data needs at least one \(fix the file, pass --allow-empty-labels .*, or --skip-empty to leave them out\)\.$/,
  );
  assert.deepEqual(listFiles(path('run-empty')), []);

  const kept = await runCli(args('--allow-empty-labels'));
  assert.equal(kept.code, 0, kept.stderr);
  const results = readJson<RunResults & { data: DataRecord }>(join(path('run-empty'), 'results.json'));
  assert.equal(results.data.splits.train + results.data.splits.val + results.data.splits.test, 48);
  assert.deepEqual(results.data.multi_label, { separator: ',', allow_empty_labels: true });
});

test('experiments --multi-label runs the comparison; the report shows micro and samples F1', async () => {
  const train = write('study.jsonl', jsonlOf([...trainRows, ...testRows]));
  const out = path('study');
  const r = await runCli([
    'experiments',
    '--train-file',
    train,
    '--multi-label',
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
  const results = readJson<RunResults>(join(out, 'runs', 'lora', 'seed-42', 'results.json'));
  assert.ok(results.test.multi_label !== undefined);
  // The splits on disk hold each row's labels as a JSON list, and label_map.json says multi-label.
  assert.equal(
    readJson<{ problem_type: string }>(join(out, 'data', 'label_map.json')).problem_type,
    'multi_label_classification',
  );
  assert.match(readFileSync(join(out, 'data', 'train.csv'), 'utf8'), /"\[""[A-Z][a-z]+/);
  const report = readFileSync(join(out, 'comparison.md'), 'utf8');
  assert.match(report, /Micro F1 \| Samples F1/);
  assert.doesNotMatch(readFileSync(join(out, 'report.html'), 'utf8'), /<h2>Confusion matrices<\/h2>/);
});

test('multi-label flags where they mean nothing are refused in one sentence', async () => {
  const single = write(
    'single.csv',
    formatCsv(
      ['text', 'label'],
      trainRows.map((r) => [r.text, r.labels[0]!]),
    ),
  );
  const cases: [string, string[], RegExp][] = [
    [
      '--threshold without --multi-label',
      [
        'train',
        '--method',
        'full',
        '--train-file',
        single,
        '--threshold',
        '0.3',
        '--base-model',
        model,
        '--output-dir',
        path('bad-run'),
        ...TRAIN,
      ],
      /--threshold only applies with --multi-label\.$/,
    ],
    [
      'a threshold of 1',
      [
        'train',
        '--method',
        'full',
        '--train-file',
        single,
        '--multi-label',
        '--threshold',
        '1',
        '--base-model',
        model,
        '--output-dir',
        path('bad-run'),
        ...TRAIN,
      ],
      /--threshold/,
    ],
    [
      'a list of labels without --multi-label',
      [
        'train',
        '--method',
        'full',
        '--train-file',
        write('lists.jsonl', jsonlOf(trainRows)),
        '--base-model',
        model,
        '--output-dir',
        path('bad-run'),
        ...TRAIN,
      ],
      /lists\.jsonl line 1 has a list of labels in "labels"; pass --multi-label for multi-label data\.$/,
    ],
    [
      '--multi-label on a single-label model',
      ['predict', '--model', path('run-single', 'model'), '--text', 'my card', '--multi-label'],
      /--multi-label applies to a multi-label model only, and .*run-single\/model is a single-label classifier/,
    ],
  ];
  const trained = await runCli([
    'train',
    '--method',
    'full',
    '--train-file',
    single,
    '--base-model',
    model,
    '--output-dir',
    path('run-single'),
    ...TRAIN,
  ]);
  assert.equal(trained.code, 0, trained.stderr);
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
    assert.match(line, pattern, name);
    assert.deepEqual(listFiles(path('bad-run')), [], `${name} left files behind`);
  });
});
