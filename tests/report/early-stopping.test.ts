import { test } from 'node:test';
import assert from 'node:assert/strict';
import { earlyStoppingSentence } from '../../src/report/early-stopping.js';
import { groupRuns } from '../../src/report/group.js';
import type { LoadedRun } from '../../src/report/load.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import type { RunResults } from '../../src/train/results.js';
import { fakeResults } from './fake-runs.js';

const run = (results: RunResults, dir: string): LoadedRun => ({
  file: `/r/${dir}/results.json`,
  dir,
  results,
});

test('a run that stopped early is named in the report with its epoch, of how many, and its best', () => {
  const stopped = fakeResults('lora', 42, { stopped_early: { epoch: 40, epochs: 45 }, best_epoch: 34 });
  stopped.config = { ...stopped.config, early_stopping_patience: 6 };
  const groups = groupRuns([run(fakeResults('full', 42), 'full/seed-42'), run(stopped, 'lora/seed-42')]);
  const sentence = earlyStoppingSentence(groups);
  assert.match(
    sentence,
    /^Early stopping: bert-tiny \+ LoRA.* \(seed 42\) stopped early at epoch 40 of 45 \(best epoch 34, patience 6\)\.$/,
  );
  assert.doesNotMatch(sentence, /full/);
  const markdown = renderMarkdown({ groups, charts: [], generatedAt: 'now' });
  assert.ok(markdown.includes(sentence));
});

test('no run stopped early: no sentence', () => {
  const groups = groupRuns([run(fakeResults('lora', 42), 'lora/seed-42')]);
  assert.equal(earlyStoppingSentence(groups), '');
  assert.doesNotMatch(renderMarkdown({ groups, charts: [], generatedAt: 'now' }), /stopped early/);
});
