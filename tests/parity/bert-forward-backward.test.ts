import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireShared } from '../helpers/shared.js';
import { loadSequenceClassifier, saveHfDirectory } from '../../src/io/hf-directory.js';
import type { SequenceClassifier } from '../../src/models/family.js';
import { FAST_BACKENDS, withFastKernels } from '../helpers/fast-kernels.js';
import { backward, noGrad } from '../../src/tensor/autograd.js';
import { Rng } from '../../src/tensor/random.js';
import { tensorScope } from '../../src/tensor/scope.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { batchOf, l2, maxAbsDiff, type GoldenInputs } from './golden.js';
import { assertClose, GRADIENT_TOLERANCE } from './project-golden.js';

interface Golden extends GoldenInputs {
  logits: number[][];
  loss: number;
  grads: Record<string, { norm: number; first: number[] }>;
}

async function checkGolden(t: TestContext, scoped = false): Promise<void> {
  const dir = requireShared(t, 'fixtures', 'bert-tiny-cls');
  const goldenPath = requireShared(t, 'fixtures', 'forward_backward_golden.json');
  if (!dir || !goldenPath) return;
  const golden = JSON.parse(readFileSync(goldenPath, 'utf8')) as Golden;
  const { model, missing, unexpected } = await loadSequenceClassifier(dir, { rng: new Rng(0) });
  assert.deepEqual(missing, []);
  assert.deepEqual(unexpected, []);
  model.eval();
  const { ids, mask, types, labels } = batchOf(golden);

  const step = () => {
    const logits = model.forward(ids, mask, types);
    const loss = model.loss(logits, labels);
    backward(loss);
    return { logits: logits.data.slice(), loss: loss.data[0] };
  };
  let out: { logits: Float32Array; loss: number };
  if (scoped) {
    out = tensorScope(step);
    // The scope's memory goes to the next one: scribble over it, then check that the parameters'
    // gradients, which outlive the scope, were not kept there.
    tensorScope(() => Tensor.fill([1 << 20], Number.NaN));
  } else {
    out = step();
  }
  const logitDiff = maxAbsDiff(out.logits, golden.logits.flat());
  const lossDiff = Math.abs(out.loss - golden.loss);

  const names = [...model.namedParameters()].map(([n]) => n);
  assert.deepEqual(
    [...names].sort(),
    Object.keys(golden.grads).sort(),
    'golden gradients cover exactly our parameters',
  );
  let worstNorm = 0;
  let worstFirst = 0;
  for (const [name, p] of model.namedParameters()) {
    const ref = golden.grads[name];
    assert.ok(p.grad, `${name} received no gradient`);
    const norm = l2(p.grad);
    // The key biases' true gradient is exactly zero (a shift of every key score by q·b cancels in the
    // softmax); both sides hold only float32 rounding noise of order 1e-9 there, so the relative test
    // gets an absolute floor far below any real gradient in this model (smallest real norm ≈ 1e-3).
    const normTol = 1e-3 * ref.norm + 1e-7;
    assert.ok(Math.abs(norm - ref.norm) <= normTol, `${name}: gradient norm ${norm} vs ${ref.norm}`);
    if (ref.norm > 1e-6) worstNorm = Math.max(worstNorm, Math.abs(norm - ref.norm) / ref.norm);
    // Many of these first values are 0 (the PAD row of the word embeddings): the values at
    // non-trivial positions are checked on the project's own golden batch (bert-pairs.test.ts).
    const first = assertClose(
      `${name}: first gradient values`,
      p.grad.subarray(0, 8),
      ref.first,
      GRADIENT_TOLERANCE,
    );
    worstFirst = Math.max(worstFirst, first.worstRatio);
  }
  t.diagnostic(
    `logits max |Δ| ${logitDiff.toExponential(2)}, loss |Δ| ${lossDiff.toExponential(2)}, ` +
      `worst relative gradient-norm error ${worstNorm.toExponential(2)}, worst first-8 error ${worstFirst.toExponential(2)} of its tolerance`,
  );
  assert.ok(logitDiff <= 1e-4, `logits differ by ${logitDiff}`);
  assert.ok(lossDiff <= 1e-5, `loss differs by ${lossDiff}`);
}

test('bert-tiny-cls matches PyTorch: logits, loss and every gradient (reference kernels)', async (t) => {
  await checkGolden(t);
});

for (const { backend, label } of FAST_BACKENDS) {
  for (const scoped of [false, true]) {
    const how = scoped ? ", inside a tensorScope (activations in the backend's memory)" : '';
    test(`bert-tiny-cls matches PyTorch on the ${label} backend${how}`, async (t) => {
      await withFastKernels(() => checkGolden(t, scoped), backend);
    });
  }
}

function evalLogits(model: SequenceClassifier, g: Golden): Float32Array {
  model.eval();
  const { ids, mask, types } = batchOf(g);
  return noGrad(() => model.forward(ids, mask, types)).data;
}

test('bert-tiny-mlm loads from model.safetensors and from pytorch_model.bin with identical logits', async (t) => {
  const dir = requireShared(t, 'models', 'bert-tiny-mlm');
  const goldenPath = requireShared(t, 'fixtures', 'forward_backward_golden.json');
  if (!dir || !goldenPath) return;
  const golden = JSON.parse(readFileSync(goldenPath, 'utf8')) as Golden;
  const binDir = mkdtempSync(join(tmpdir(), 'lora-lab-bin-'));
  try {
    symlinkSync(join(dir, 'config.json'), join(binDir, 'config.json'));
    symlinkSync(join(dir, 'pytorch_model.bin'), join(binDir, 'pytorch_model.bin'));
    const fromSafetensors = await loadSequenceClassifier(dir, { numLabels: 9, rng: new Rng(7) });
    const fromBin = await loadSequenceClassifier(binDir, { numLabels: 9, rng: new Rng(7) });
    for (const loaded of [fromSafetensors, fromBin]) {
      assert.deepEqual(loaded.initialized, ['classifier.weight', 'classifier.bias']);
      assert.deepEqual(loaded.missing, ['classifier.weight', 'classifier.bias']);
      assert.ok(
        loaded.unexpected.length > 0 && loaded.unexpected.every((k) => k.startsWith('cls.')),
        'only cls.* unused',
      );
    }
    const a = fromSafetensors.model.stateDict();
    for (const [name, p] of fromBin.model.stateDict()) assert.deepEqual(p.data, a.get(name)!.data, name);
    assert.deepEqual(evalLogits(fromBin.model, golden), evalLogits(fromSafetensors.model, golden));
  } finally {
    rmSync(binDir, { recursive: true, force: true });
  }
});

test('save → load round trip preserves logits exactly', async (t) => {
  const dir = requireShared(t, 'fixtures', 'bert-tiny-cls');
  const goldenPath = requireShared(t, 'fixtures', 'forward_backward_golden.json');
  if (!dir || !goldenPath) return;
  const golden = JSON.parse(readFileSync(goldenPath, 'utf8')) as Golden;
  const out = mkdtempSync(join(tmpdir(), 'lora-lab-save-'));
  try {
    const labels = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'];
    const { model } = await loadSequenceClassifier(dir, { labels, rng: new Rng(1) });
    await saveHfDirectory(model, out, { labels });
    const reloaded = await loadSequenceClassifier(out, { rng: new Rng(2) });
    assert.deepEqual(reloaded.config.labels, labels);
    assert.deepEqual(reloaded.missing, []);
    assert.deepEqual(reloaded.unexpected, []);
    const before: Float32Array = evalLogits(model, golden);
    const after: Float32Array = evalLogits(reloaded.model, golden);
    assert.deepEqual(after, before);
    assert.ok(before.length === 72 && before.every((v: number) => Number.isFinite(v)));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
