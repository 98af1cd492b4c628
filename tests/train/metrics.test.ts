import { test } from 'node:test';
import assert from 'node:assert/strict';
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
