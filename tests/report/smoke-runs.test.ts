import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchAnchors, parseAnchors } from '../../src/report/anchors.js';
import { settingsSentence } from '../../src/report/describe.js';
import { groupRuns } from '../../src/report/group.js';
import { comparisonJson } from '../../src/report/json.js';
import type { LoadedRun } from '../../src/report/load.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { stepCap, type RunResults } from '../../src/train/results.js';
import { FAKE_ANCHORS, fakeResults } from './fake-runs.js';

const run = (results: RunResults, dir: string): LoadedRun => ({
  file: `/r/${dir}/results.json`,
  dir,
  results,
});

/** A run of 5 steps, as `train --max-steps 5` records it. */
function smoke(method: 'full' | 'lora', seed: number): RunResults {
  const r = fakeResults(method, seed, { max_steps: 5, stopped_at_max_steps: true });
  r.config = { ...r.config, max_steps: 5 };
  return r;
}

test('stepCap reads the cap from results.json, or from the config of runs written before it was recorded', () => {
  assert.equal(stepCap(smoke('full', 1)), 5);
  const old = fakeResults('full', 1);
  old.config = { ...old.config, max_steps: 7 };
  assert.equal(stepCap(old), 7);
  assert.equal(stepCap(fakeResults('full', 1)), null);
  assert.equal(stepCap(fakeResults('full', 1, { max_steps: 0 })), null);
});

test('smoke runs are named as such, not by their epochs, and left out of the PyTorch comparison', () => {
  const anchors = parseAnchors(JSON.stringify(FAKE_ANCHORS), 'reference.json');
  const onlySmoke = groupRuns([
    run(smoke('full', 42), 'full/seed-42'),
    run(smoke('lora', 42), 'lora/seed-42'),
  ]);
  assert.deepEqual(
    onlySmoke.map((g) => g.label),
    ['bert-tiny (smoke run: 5 steps, full fine-tune)', 'bert-tiny + LoRA (smoke run: 5 steps, r=8)'],
  );
  const sentence = settingsSentence(onlySmoke);
  assert.match(sentence, /^Settings: smoke run: 5 steps, /);
  assert.doesNotMatch(sentence, /epoch/);
  assert.match(sentence, /left out of the comparison with the PyTorch reference/);

  const comparison = matchAnchors(onlySmoke, anchors);
  assert.equal(comparison.matches.length, 0);
  assert.equal(comparison.bestOfMethod.length, 0);
  assert.equal(comparison.smokeRuns.length, 2);
  const markdown = renderMarkdown({ groups: onlySmoke, charts: [], anchors: comparison, generatedAt: 'now' });
  assert.doesNotMatch(markdown, /\u2212|Difference \|/, 'no difference with the reference is shown');
  assert.match(
    markdown,
    /Left out, as smoke runs capped by --max-steps: bert-tiny \(smoke run: 5 steps, full fine-tune\)/,
  );
  const json = comparisonJson(onlySmoke, '/r', 'now', comparison);
  assert.deepEqual(
    json.groups.map((g) => g.step_cap),
    [5, 5],
  );
  assert.deepEqual(
    json.anchors!.smoke_runs_left_out,
    json.groups.map((g) => g.id),
  );
});

test('a smoke run next to a full run: two groups, only the full one compared with the reference', () => {
  const groups = groupRuns([
    run(fakeResults('full', 42), 'full/seed-42'),
    run(smoke('full', 42), 'smoke/full'),
  ]);
  assert.deepEqual(
    groups.map((g) => [g.label, g.stepCap]),
    [
      ['bert-tiny (full fine-tune)', null],
      ['bert-tiny (smoke run: 5 steps, full fine-tune)', 5],
    ],
  );
  assert.equal(new Set(groups.map((g) => g.id)).size, 2);
  const comparison = matchAnchors(groups, parseAnchors(JSON.stringify(FAKE_ANCHORS), 'reference.json'));
  assert.deepEqual(
    comparison.matches.map((m) => m.group.stepCap),
    [null],
  );
  assert.match(settingsSentence(groups), /3 epochs/, 'the full run keeps its epochs');
});
