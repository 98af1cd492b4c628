import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DataRecord } from '../../src/data/data-record.js';
import { dataParagraphs } from '../../src/report/describe.js';
import { groupRuns } from '../../src/report/group.js';
import type { LoadedRun } from '../../src/report/load.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import type { RunResults } from '../../src/train/results.js';
import { fakeResults } from './fake-runs.js';

const run = (results: RunResults): LoadedRun => ({
  file: `/runs/${results.method}-${results.seed}/results.json`,
  dir: `${results.method}-${results.seed}`,
  results,
});

const study: DataRecord = {
  files: [
    {
      role: 'input',
      path: '/data/complaints.csv',
      format: 'csv',
      rows: 6177,
      dropped: { in_dropped_classes: 46, too_short: 45 },
    },
  ],
  columns: { text: 'narrative', label: 'product' },
  recipe: 'cfpb',
  splits: { train: 4259, val: 609, test: 1218 },
  val_from: 'carved',
  test_from: 'carved',
  carved: { val_size: 0.1, test_size: 0.2, seed: 42 },
};

const own: DataRecord = {
  files: [
    { role: 'train', path: '/d/reviews.csv', format: 'csv', rows: 903, dropped: { empty_text: 3 } },
    {
      role: 'test',
      path: '/d/test.jsonl.gz',
      format: 'jsonl',
      rows: 101,
      dropped: { unseen_label: 1 },
      unseen_labels: { neutral: 1 },
    },
  ],
  columns: { text: 'review', label: 'stars', text_pair: 'title' },
  splits: { train: 810, val: 90, test: 100 },
  val_from: 'carved',
  test_from: 'file',
  carved: { val_size: 0.1, test_size: 0, seed: 7 },
};

test('the report names the data files, their rows, what was left out and why, the columns and the splits', () => {
  const groups = groupRuns([
    run({ ...fakeResults('full', 42), data: study }),
    run({ ...fakeResults('full', 43), data: study }),
  ]);
  assert.deepEqual(dataParagraphs(groups), [
    {
      sentences: [
        'Input file /data/complaints.csv (csv): 6,177 rows; left out 46 in classes under --class-threshold, 45 with fewer words than --min-text-length.',
        'Columns: the complaint narrative (cleaned) as text, the product (merged into classes) as label.',
        'Splits: 4,259 train, 609 validation, 1,218 test rows; carved from the rows kept (stratified, seed 42): validation 0.1, test 0.2.',
      ],
    },
  ]);
  const markdown = renderMarkdown({ groups, charts: [], generatedAt: 'now' });
  assert.match(markdown, /## Data\n\n- Input file \/data\/complaints\.csv \(csv\): 6,177 rows;/);
});

test('groups trained on different data each get their own paragraph, named; runs without a record get none', () => {
  const groups = groupRuns([
    run({ ...fakeResults('full', 42), data: study }),
    run({ ...fakeResults('lora', 42), data: own }),
  ]);
  const paragraphs = dataParagraphs(groups);
  assert.equal(paragraphs.length, 2);
  assert.equal(paragraphs[1]!.who, groups[1]!.label);
  assert.deepEqual(paragraphs[1]!.sentences, [
    'Training file /d/reviews.csv (csv): 903 rows; left out 3 with an empty text (--skip-empty).',
    'Test file /d/test.jsonl.gz (jsonl): 101 rows; left out 1 with a label the training split does not have ("neutral" 1).',
    'Columns: text "review", text pair "title", label "stars".',
    'Splits: 810 train, 90 validation, 100 test rows; carved from the training file (stratified, seed 7): validation 0.1.',
  ]);
  assert.deepEqual(dataParagraphs(groupRuns([run(fakeResults('full', 42))])), []);
  assert.doesNotMatch(
    renderMarkdown({ groups: groupRuns([run(fakeResults('full', 42))]), charts: [], generatedAt: 'now' }),
    /## Data/,
  );
});
