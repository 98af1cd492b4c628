import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COMPARE_CASES, formatComparison, median, stepsFor, type CompareRow } from '../../bench/compare.js';

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

test('inference cases time four times the steps of training cases', () => {
  const steps = COMPARE_CASES.map((c) => stepsFor(c, 10));
  assert.deepEqual(
    steps,
    COMPARE_CASES.map((c) => (c.mode === 'infer' ? 40 : 10)),
  );
  assert.ok(COMPARE_CASES.some((c) => c.mode === 'infer'));
});
