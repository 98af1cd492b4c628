import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../../src/errors.js';
import { loadAnchors, matchAnchors, parseAnchors } from '../../src/report/anchors.js';
import { groupRuns } from '../../src/report/group.js';
import { anchorsTable, bestOfMethodTable } from '../../src/report/markdown.js';
import type { Method, RunResults } from '../../src/train/results.js';
import { requireShared } from '../helpers/shared.js';
import { FAKE_ANCHORS as reference, fakeResults } from './fake-runs.js';

function run(method: Method, seed: number, change: (r: RunResults) => RunResults = (r) => r) {
  const results = change(fakeResults(method, seed));
  return { file: `/r/${method}/${seed}/results.json`, dir: `${method}/${seed}`, results };
}

test('groups meet the reference run of the same method, learning rate and max length', () => {
  const anchors = parseAnchors(JSON.stringify(reference), 'ref.json');
  const groups = groupRuns([
    run('scratch', 1),
    run('scratch', 2),
    run('full', 1, (r) => ({ ...r, config: { ...r.config, lr: 3e-4 } })),
    run('lora', 1),
  ]);
  const comparison = matchAnchors(groups, anchors);
  assert.deepEqual(
    comparison.matches.map((m) => [m.group.method, m.references.map((r) => r.name)]),
    [
      ['scratch', ['scratch_T128_lr1e-4']],
      ['lora', ['lora_T128_lr1e-3']],
    ],
    'LoRA without a recorded rank is matched by its trainable-parameter count',
  );
  assert.deepEqual(
    comparison.unmatched.map((g) => g.method),
    ['full'],
  );
  const scratch = comparison.matches[0]!;
  assert.ok(Math.abs(scratch.difference - (scratch.group.f1Weighted.mean - 0.739)) < 1e-12);
  const table = anchorsTable(comparison);
  assert.deepEqual(table.headers.slice(2, 5), ['Test F1 (ours)', 'Test F1 (PyTorch)', 'Difference']);
  assert.equal(table.rows[0]![3], '0.739');
  assert.match(table.rows[0]![4]!, /^[+\u2212]0\.\d{3}$/);
});

test('every group is also set against the best reference run of its method, whatever its settings', () => {
  const anchors = parseAnchors(JSON.stringify(reference), 'ref.json');
  // A learning rate no reference run used: no exact match, but still a best-of-method row.
  const groups = groupRuns([run('full', 1, (r) => ({ ...r, config: { ...r.config, lr: 5e-4 } }))]);
  const comparison = matchAnchors(groups, anchors);
  assert.equal(comparison.matches.length, 0);
  assert.equal(comparison.bestOfMethod.length, 1);
  const best = comparison.bestOfMethod[0]!;
  assert.equal(best.reference.name, 'full_T128_lr1e-4', 'the higher of the two full runs (0.715 over 0.702)');
  assert.ok(Math.abs(best.difference - (best.group.f1Weighted.mean - 0.715)) < 1e-12);
  const table = bestOfMethodTable(comparison);
  assert.equal(table.rows.length, 1);
  assert.equal(table.rows[0]![3], 'full_T128_lr1e-4');
  assert.equal(table.rows[0]![5], '0.715');
  assert.match(table.rows[0]![4]!, /max length 128/);
});

test('differences in epochs or batch are noted', () => {
  const anchors = parseAnchors(JSON.stringify(reference), 'ref.json');
  const groups = groupRuns([
    run('full', 1, (r) => ({ ...r, config: { ...r.config, epochs: 5, batch_size: 32 } })),
  ]);
  const [match] = matchAnchors(groups, anchors).matches;
  assert.deepEqual(match!.notes, ['epochs: ours 5, reference 3', 'batch: ours 32, reference 16']);
});

test('a malformed anchors file is a UserError naming it', () => {
  for (const text of [
    'not json',
    '{"runs": 3}',
    '{"runs": [{"kind": "full"}]}',
    '{"runs": [{"kind": "x", "lr": 1, "T": 1}]}',
  ]) {
    assert.throws(
      () => parseAnchors(text, '/data/ref.json'),
      (e: unknown) =>
        e instanceof UserError && e.message.includes('/data/ref.json') && e.message.endsWith('.'),
      text,
    );
  }
  assert.throws(
    () => loadAnchors('/no/such/anchors.json'),
    (e: unknown) => e instanceof UserError,
  );
});

test('the shared PyTorch reference parses and matches the study configurations', (t) => {
  const path = requireShared(t, 'anchors', 'pytorch_reference.json');
  if (!path) return;
  const anchors = loadAnchors(path);
  assert.ok(anchors.runs.length >= 7);
  const groups = groupRuns([run('scratch', 1), run('full', 1), run('lora', 1)]);
  const { matches, unmatched } = matchAnchors(groups, anchors);
  assert.equal(unmatched.length, 0);
  assert.deepEqual(
    matches.map((m) => m.references.map((r) => r.name)),
    [['scratch_T128_lr1e-4'], ['full_T128_lr1e-4'], ['lora_T128_lr1e-3']],
  );
});
