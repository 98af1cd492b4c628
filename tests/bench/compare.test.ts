import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  COMPARE_CASES,
  COMPARE_MODELS,
  formatComparison,
  median,
  stepsFor,
  warmupFor,
  type CompareModel,
  type CompareRow,
} from '../../bench/compare.js';

test('median: odd and even counts, missing rounds skipped, none at all', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([null, 5, null]), 5);
  assert.equal(median([null]), null);
  assert.equal(median([]), null);
});

test('the comparison table shows medians, their ratio and every round', () => {
  const row: CompareRow = {
    model: 'small',
    method: 'full',
    mode: 'train',
    ours: 30,
    pytorch: 25,
    ratio: 1.2,
    round_ratios: [1.1, null, 1.3],
    ours_peak_rss_mb: 700.4,
    pytorch_peak_rss_mb: 1000,
  };
  const table = formatComparison([row]);
  assert.match(
    table,
    /\| Small-BERT, full, train \| 30\.0 \| 25\.0 \| 1\.20× \| 1\.10 — 1\.30 \| 700 \| 1000 \|/,
  );
});

test('inference cases time four times the steps of training cases on the small shapes', () => {
  const small = COMPARE_CASES.filter((c) => c.model === 'tiny' || c.model === 'small');
  assert.deepEqual(
    small.map((c) => stepsFor(c, 10)),
    small.map((c) => (c.mode === 'infer' ? 40 : 10)),
  );
  assert.ok(small.some((c) => c.mode === 'infer'));
});

test('the big shapes get fewer steps the bigger they are, never none, and one warm-up step', () => {
  const trainSteps = (model: CompareModel) => stepsFor({ model, method: 'lora', mode: 'train' }, 10);
  const order: CompareModel[] = ['small', 'minilm', 'distilbert', 'base'];
  for (let i = 1; i < order.length; i++) assert.ok(trainSteps(order[i]) <= trainSteps(order[i - 1]));
  assert.ok(trainSteps('minilm') < 10);
  assert.equal(stepsFor({ model: 'base', method: 'full', mode: 'train' }, 1), 1);
  assert.equal(warmupFor({ model: 'base', method: 'full', mode: 'train' }), 1);
  assert.equal(warmupFor({ model: 'tiny', method: 'full', mode: 'train' }), 2);
  for (const model of COMPARE_MODELS) assert.ok(COMPARE_CASES.some((c) => c.model === model));
});
