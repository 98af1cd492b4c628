import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchAnchors, parseAnchors } from '../../src/report/anchors.js';
import { countOf, formatDurationColumn } from '../../src/report/format.js';
import { bestOfMethodTable } from '../../src/report/markdown.js';
import { settingsSentence, dataSentence } from '../../src/report/describe.js';
import { groupRuns } from '../../src/report/group.js';
import type { LoadedRun } from '../../src/report/load.js';
import { summarize } from '../../src/report/stats.js';
import { comparisonTable, runsTable } from '../../src/report/table.js';
import type { RunResults } from '../../src/train/results.js';
import { fakeResults } from './fake-runs.js';

const run = (results: RunResults): LoadedRun => ({
  file: `/runs/${results.method}-${results.seed}/results.json`,
  dir: `${results.method}-${results.seed}`,
  results,
});

test('a count of one is singular', () => {
  assert.equal(countOf(1, 'epoch'), '1 epoch');
  assert.equal(countOf(3, 'epoch'), '3 epochs');
  assert.equal(countOf(1, 'class', 'classes'), '1 class');
  assert.equal(countOf(1200, 'row'), '1,200 rows');
});

test('the report says "1 epoch", not "1 epochs"', () => {
  const one = fakeResults('full', 42);
  one.config = { ...one.config, epochs: 1 };
  assert.match(settingsSentence(groupRuns([run(one)])), /\b1 epoch\b(?!s)/);
  assert.match(dataSentence(groupRuns([run(one)])), /1,218 examples in 9 classes/);
});

test('a column of durations has one unit: seconds when all are under a minute, else minutes', () => {
  assert.deepEqual(formatDurationColumn([summarize([48.2, 49.3]), summarize([12])]), [
    '48.8 ± 0.8 s',
    '12.0 s',
  ]);
  assert.deepEqual(formatDurationColumn([summarize([804]), summarize([487]), summarize([30])]), [
    '13.4 min',
    '8.1 min',
    '0.5 min',
  ]);
  assert.deepEqual(
    formatDurationColumn([summarize([40.98, 41.0]), summarize([20])]),
    ['40.99 ± 0.01 s', '20.00 s'],
    'a spread that would round to 0 gets a second decimal, for the whole column',
  );
});

test('the comparison and runs tables show training time in one unit per column', () => {
  const slow = fakeResults('scratch', 42);
  slow.timing = { ...slow.timing, train_seconds: 804 };
  const fast = fakeResults('lora', 42);
  fast.timing = { ...fast.timing, train_seconds: 487 };
  const groups = groupRuns([run(slow), run(fast)]);
  const column = (t: { headers: string[]; rows: string[][] }) =>
    t.rows.map((r) => r[t.headers.indexOf('Training time')]);
  assert.deepEqual(column(comparisonTable(groups)), ['13.4 min', '8.1 min']);
  assert.deepEqual(column(runsTable(groups)), ['13.4 min', '8.1 min']);
});

test('a reference run of one epoch reads "1 epoch" in the best-of-method table', () => {
  const groups = groupRuns([run(fakeResults('full', 42))]);
  const anchors = parseAnchors(
    JSON.stringify({
      runs: [{ name: 'full_1ep', kind: 'full', T: 128, lr: 1e-4, epochs: 1, test: { f1_weighted: 0.7 } }],
    }),
    'ref.json',
  );
  const table = bestOfMethodTable(matchAnchors(groups, anchors));
  assert.equal(table.rows[0]![table.headers.indexOf('Its settings')], 'lr 1e-4, max length 128, 1 epoch');
});

test('the settings name the kernels when every run computed on the same ones, and only then', () => {
  const on = (kernels: RunResults['kernels'], seed = 42): LoadedRun => {
    const r = fakeResults('lora', seed);
    r.threads = 2;
    r.kernels = kernels;
    return run(r);
  };
  const native = { backend: 'native', isa: 'avx512' };
  assert.match(
    settingsSentence(groupRuns([on(native), on(native, 43)])),
    /2 CPU threads on the native kernels \(AVX-512\)/,
  );
  assert.match(
    settingsSentence(groupRuns([on({ backend: 'wasm', fma: true })])),
    /2 CPU threads on the WebAssembly kernels with fused multiply-add/,
  );
  assert.match(
    settingsSentence(groupRuns([on({ backend: 'wasm', fma: false })])),
    /threads on the WebAssembly kernels[;.]/,
  );
  const mixed = settingsSentence(groupRuns([on(native), on({ backend: 'wasm', fma: false }, 43)]));
  assert.match(mixed, /2 CPU threads[;.]/);
  assert.doesNotMatch(mixed, /kernels/);
  // Runs written before the field existed say nothing about their kernels.
  assert.doesNotMatch(settingsSentence(groupRuns([on(undefined)])), /kernels/);
});
