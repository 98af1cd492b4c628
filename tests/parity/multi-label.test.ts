import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { backward } from '../../src/tensor/autograd.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { computeMultiLabelMetrics } from '../../src/train/multi-label-metrics.js';
import { withFastKernels } from '../helpers/fast-kernels.js';
import { l2, maxAbsDiff } from './golden.js';
import { familyGolden, goldenBatch, goldenModel } from './families/family-golden.js';

/**
 * Multi-label parity with transformers and scikit-learn: tests/fixtures/multilabel/golden.json, made by
 * scripts/device/make_multilabel_golden.py on the GPU machine from the BERT family fixture.
 */
interface MultiLabelGolden {
  meta: { commit: string | null; transformers: string; sklearn: string };
  problem_type_saved: string;
  targets: number[][];
  logits: number[][];
  loss: number;
  torch_bce_with_logits: number;
  grad_norms: Record<string, number>;
  metrics: Record<
    string,
    { truth: number[][]; predicted: number[][]; sklearn: Record<string, number | number[]> }
  >;
}

const GOLDEN = new URL('../fixtures/multilabel/golden.json', import.meta.url).pathname;
const golden = (): MultiLabelGolden => JSON.parse(readFileSync(GOLDEN, 'utf8')) as MultiLabelGolden;

function checkLoss(g: MultiLabelGolden): string {
  assert.equal(g.problem_type_saved, 'multi_label_classification');
  const family = familyGolden('bert');
  // The family fixture's weights under a multi-label config.json: only the loss differs.
  const model = goldenModel({
    ...family,
    config: { ...family.config, problem_type: 'multi_label_classification' },
  }).eval();
  assert.equal(model.config.problemType, 'multi_label_classification');
  const { ids, mask, types } = goldenBatch(family);
  const logits = model.forward(ids, mask, types);
  const targets = Tensor.from(g.targets.flat(), [g.targets.length, g.targets[0]!.length]);
  const loss = model.loss(logits, targets);
  backward(loss);
  const logitsError = maxAbsDiff(logits.data, g.logits.flat());
  assert.ok(logitsError <= 1e-4, `logits differ from transformers' by ${logitsError}`);
  const lossError = Math.abs(loss.data[0]! - g.loss);
  assert.ok(lossError <= 1e-5, `loss ${loss.data[0]} vs transformers' ${g.loss}`);
  let worst = 0;
  for (const [name, p] of model.namedParameters()) {
    const expected = g.grad_norms[name];
    assert.ok(expected !== undefined, `no golden gradient for ${name}`);
    const actual = p.grad ? l2(p.grad) : 0;
    if (expected < 1e-6) {
      assert.ok(actual < 1e-5, `${name}: gradient norm ${actual}, transformers' is zero`);
      continue;
    }
    const rel = Math.abs(actual - expected) / expected;
    worst = Math.max(worst, rel);
    assert.ok(rel <= 1e-3, `${name}: gradient norm ${actual} vs ${expected} (relative ${rel})`);
  }
  return `logits |Δ| ${logitsError.toExponential(2)}, loss |Δ| ${lossError.toExponential(2)}, worst gradient-norm relative error ${worst.toExponential(2)}`;
}

test("BCE loss and gradient norms of a multi-label BERT match transformers' (reference kernels)", (t) => {
  t.diagnostic(checkLoss(golden()));
});

test('the same on WebAssembly, 2 threads', async (t) => {
  await withFastKernels(async () => t.diagnostic(checkLoss(golden())));
});

test("multi-label metrics equal scikit-learn's (zero_division=0)", () => {
  for (const [name, c] of Object.entries(golden().metrics)) {
    const labels = c.truth[0]!.map((_, j) => `L${j}`);
    const m = computeMultiLabelMetrics(c.truth.flat(), c.predicted.flat(), labels, 0.5);
    const s = c.sklearn as Record<string, number> & { per_class_f1: number[] };
    const ml = m.multi_label!;
    const ours: Record<string, number> = {
      accuracy: m.accuracy,
      hamming_loss: ml.hamming_loss,
      f1_micro: ml.f1_micro,
      precision_micro: ml.precision_micro,
      recall_micro: ml.recall_micro,
      f1_samples: ml.f1_samples,
      precision_samples: ml.precision_samples,
      recall_samples: ml.recall_samples,
      f1_macro: m.f1_macro,
      precision_macro: m.precision_macro,
      recall_macro: m.recall_macro,
      f1_weighted: m.f1_weighted,
      precision_weighted: m.precision_weighted,
      recall_weighted: m.recall_weighted,
    };
    for (const [key, value] of Object.entries(ours)) {
      assert.ok(Math.abs(value - s[key]!) < 1e-12, `${name} ${key}: ours ${value}, sklearn ${s[key]}`);
    }
    labels.forEach((label, j) =>
      assert.ok(Math.abs(m.per_class[label]!.f1 - s.per_class_f1[j]!) < 1e-12, `${name} ${label} F1`),
    );
  }
});
