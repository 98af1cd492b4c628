import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { argmaxRows, computeMetrics } from '../../src/train/metrics.js';

const near = (a: number, b: number, msg = ''): void =>
  assert.ok(Math.abs(a - b) < 1e-12, `${msg} ${a} vs ${b}`);

test('metrics of a small case, computed by hand (class D absent from truth and predictions)', () => {
  // true:  A A A B B C      confusion (rows true, columns predicted):
  // pred:  A A B B C C        A: [2 1 0 0]  B: [0 1 1 0]  C: [0 0 1 0]  D: [0 0 0 0]
  const m = computeMetrics([0, 0, 0, 1, 1, 2], [0, 0, 1, 1, 2, 2], ['A', 'B', 'C', 'D'], 0.25);
  assert.deepEqual(m.confusion, [
    [2, 1, 0, 0],
    [0, 1, 1, 0],
    [0, 0, 1, 0],
    [0, 0, 0, 0],
  ]);
  near(m.accuracy, 4 / 6);
  // A: P 2/2, R 2/3, F1 4/5.  B: P 1/2, R 1/2, F1 1/2.  C: P 1/2, R 1/1, F1 2/3.  D: 0, 0, 0, support 0.
  assert.deepEqual(m.per_class.A, { precision: 1, recall: 2 / 3, f1: 0.8, support: 3 });
  assert.deepEqual(m.per_class.B, { precision: 0.5, recall: 0.5, f1: 0.5, support: 2 });
  assert.deepEqual(m.per_class.C, { precision: 0.5, recall: 1, f1: 2 / 3, support: 1 });
  assert.deepEqual(m.per_class.D, { precision: 0, recall: 0, f1: 0, support: 0 });
  // sklearn with labels=[0,1,2,3], zero_division=0: D counts in the macro average.
  near(m.f1_macro, (0.8 + 0.5 + 2 / 3 + 0) / 4, 'f1_macro');
  near(m.precision_macro, (1 + 0.5 + 0.5 + 0) / 4, 'precision_macro');
  near(m.recall_macro, (2 / 3 + 0.5 + 1 + 0) / 4, 'recall_macro');
  near(m.f1_weighted, (0.8 * 3 + 0.5 * 2 + (2 / 3) * 1) / 6, 'f1_weighted');
  near(m.precision_weighted, (1 * 3 + 0.5 * 2 + 0.5 * 1) / 6, 'precision_weighted');
  near(m.recall_weighted, 4 / 6, 'recall_weighted equals accuracy');
  assert.equal(m.loss, 0.25);
  assert.equal(m.examples, 6);
  assert.deepEqual(m.labels, ['A', 'B', 'C', 'D']);
});

test('a class predicted but never true has precision 0 (zero_division=0) and F1 0', () => {
  const m = computeMetrics([0, 0], [0, 1], ['A', 'B']);
  assert.deepEqual(m.per_class.B, { precision: 0, recall: 0, f1: 0, support: 0 });
  assert.deepEqual(m.per_class.A, { precision: 1, recall: 0.5, f1: 2 / 3, support: 2 });
  near(m.f1_macro, 1 / 3);
  near(m.f1_weighted, 2 / 3);
  assert.equal('loss' in m, false);
});

test('a class never predicted has precision 0 and F1 0, and no examples gives zeros', () => {
  const m = computeMetrics([0, 1, 1], [0, 0, 0], ['A', 'B']);
  assert.deepEqual(m.per_class.B, { precision: 0, recall: 0, f1: 0, support: 2 });
  near(m.per_class.A.precision, 1 / 3);
  near(m.per_class.A.f1, 2 / 4);
  near(m.f1_weighted, (0.5 * 1 + 0 * 2) / 3);
  const empty = computeMetrics([], [], ['A', 'B']);
  assert.equal(empty.accuracy, 0);
  assert.equal(empty.f1_weighted, 0);
  assert.equal(empty.f1_macro, 0);
});

test('perfect predictions give 1 everywhere for present classes', () => {
  const m = computeMetrics([0, 1, 2, 1], [0, 1, 2, 1], ['a', 'b', 'c']);
  assert.equal(m.accuracy, 1);
  assert.equal(m.f1_weighted, 1);
  assert.equal(m.f1_macro, 1);
});

test('argmaxRows picks the first maximum of each row', () => {
  assert.deepEqual(Array.from(argmaxRows(Float32Array.from([1, 3, 3, -1, -2, -0.5]), 2, 3)), [1, 2]);
});

test('computeMetrics rejects labels outside the class range', () => {
  assert.throws(() => computeMetrics([0, 2], [0, 1], ['A', 'B']), /true label 2/);
});

interface SklearnCase {
  seed: number;
  num_classes: number;
  absent_from_truth: number[];
  absent_from_predictions: number[];
  y_true: number[];
  y_pred: number[];
  accuracy: number;
  confusion: number[][];
  per_class: { precision: number[]; recall: number[]; f1: number[]; support: number[] };
  [average: string]: unknown;
}

/** Written by scripts/device/make_golden.py with scikit-learn (labels=range(k), zero_division=0). */
const sklearn = JSON.parse(
  readFileSync(new URL('../fixtures/golden/metrics-sklearn.json', import.meta.url), 'utf8'),
) as { sklearn: string; zero_division: number; cases: SklearnCase[] };

for (const c of sklearn.cases) {
  const list = (k: number[]) => (k.length > 0 ? k.join(', ') : 'none');
  const missing = `never true: ${list(c.absent_from_truth)}; never predicted: ${list(c.absent_from_predictions)}`;
  test(`scikit-learn's metrics on ${c.y_true.length} seeded labels of ${c.num_classes} classes (${missing})`, () => {
    assert.equal(sklearn.zero_division, 0);
    const labels = Array.from({ length: c.num_classes }, (_, i) => `class ${i}`);
    const m = computeMetrics(c.y_true, c.y_pred, labels);
    // The case really lacks the classes it says it lacks.
    for (const k of c.absent_from_truth) assert.ok(!c.y_true.includes(k), `class ${k} is never true`);
    for (const k of c.absent_from_predictions)
      assert.ok(!c.y_pred.includes(k), `class ${k} is never predicted`);
    assert.deepEqual(m.confusion, c.confusion);
    near(m.accuracy, c.accuracy, 'accuracy');
    for (const key of [
      'precision_weighted',
      'recall_weighted',
      'f1_weighted',
      'precision_macro',
      'recall_macro',
      'f1_macro',
    ] as const) {
      near(m[key], c[key] as number, key);
    }
    labels.forEach((name, i) => {
      const ours = m.per_class[name];
      near(ours.precision, c.per_class.precision[i], `${name} precision`);
      near(ours.recall, c.per_class.recall[i], `${name} recall`);
      near(ours.f1, c.per_class.f1[i], `${name} f1`);
      assert.equal(ours.support, c.per_class.support[i], `${name} support`);
    });
  });
}
