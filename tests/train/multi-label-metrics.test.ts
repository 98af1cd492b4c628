import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeMultiLabelMetrics, thresholdProbabilities } from '../../src/train/multi-label-metrics.js';

// Four rows, labels A, B, C. Worked by hand (scikit-learn's definitions, zero_division=0):
//   row 0: truth A C, predicted A     row 1: truth B, predicted B C
//   row 2: truth A B, predicted A B   row 3: truth none, predicted none
// Per label: A tp 2 of 2 true, 2 predicted → P R F 1; B the same; C tp 0, 1 true, 1 predicted → 0.
// Micro: tp 4 of 5 true and 5 predicted → 0.8 each. Macro F1 2/3; weighted F1 (1·2 + 1·2 + 0·1) / 5 = 0.8.
// Samples F1: 2/3, 2/3, 1, and 0 for the empty row (zero_division) → 7/12; precision (1 + ½ + 1 + 0) / 4,
// recall (½ + 1 + 1 + 0) / 4 → 0.625 each. Subset accuracy: rows 2 and 3 → ½. Hamming: 2 of 12 bits wrong.
const TRUTH = [1, 0, 1, 0, 1, 0, 1, 1, 0, 0, 0, 0];
const PREDICTED = [1, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0];
const close = (a: number, b: number, what: string): void =>
  assert.ok(Math.abs(a - b) < 1e-12, `${what}: ${a} vs ${b}`);

test('multi-label metrics on a worked example', () => {
  const m = computeMultiLabelMetrics(TRUTH, PREDICTED, ['A', 'B', 'C'], 0.5, 0.25);
  const ml = m.multi_label!;
  close(ml.f1_micro, 0.8, 'f1_micro');
  close(ml.precision_micro, 0.8, 'precision_micro');
  close(ml.recall_micro, 0.8, 'recall_micro');
  close(ml.f1_samples, 7 / 12, 'f1_samples');
  close(ml.precision_samples, 0.625, 'precision_samples');
  close(ml.recall_samples, 0.625, 'recall_samples');
  close(ml.subset_accuracy, 0.5, 'subset_accuracy');
  close(ml.hamming_loss, 2 / 12, 'hamming_loss');
  assert.equal(ml.threshold, 0.5);
  close(m.accuracy, 0.5, 'accuracy is the subset accuracy');
  close(m.f1_macro, 2 / 3, 'f1_macro');
  close(m.f1_weighted, 0.8, 'f1_weighted');
  close(m.precision_macro, 2 / 3, 'precision_macro');
  close(m.recall_weighted, 0.8, 'recall_weighted');
  assert.deepEqual(m.per_class.C, { precision: 0, recall: 0, f1: 0, support: 1 });
  assert.deepEqual(m.per_class.A, { precision: 1, recall: 1, f1: 1, support: 2 });
  assert.deepEqual(m.confusion, []);
  assert.equal(m.examples, 4);
  assert.equal(m.loss, 0.25);
});

test('a label never true nor predicted scores 0 and still counts in the macro average', () => {
  const m = computeMultiLabelMetrics([1, 0, 1, 0], [1, 0, 1, 0], ['A', 'B'], 0.5);
  assert.equal(m.f1_macro, 0.5);
  assert.equal(m.multi_label!.f1_micro, 1);
  assert.equal(m.multi_label!.subset_accuracy, 1);
});

test('thresholdProbabilities keeps a probability equal to the threshold', () => {
  assert.deepEqual(Array.from(thresholdProbabilities([0.5, 0.49, 0.9], 0.5)), [1, 0, 1]);
});

test('values other than 0/1 or of mismatched lengths are bugs, not scores', () => {
  assert.throws(() => computeMultiLabelMetrics([0.5, 1], [1, 1], ['A', 'B'], 0.5), /not 0 or 1/);
  assert.throws(() => computeMultiLabelMetrics([1, 1, 0], [1, 1, 0], ['A', 'B'], 0.5), /for 2 labels/);
});
