import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireShared } from '../helpers/shared.js';
import { FAST_BACKENDS, withFastKernels } from '../helpers/fast-kernels.js';
import { loadSequenceClassifier } from '../../src/io/hf-directory.js';
import { fromPeftParameterName, loadPeftAdapter } from '../../src/io/peft-adapter.js';
import type { SequenceClassifier } from '../../src/models/family.js';
import { backward } from '../../src/tensor/autograd.js';
import { Rng } from '../../src/tensor/random.js';
import { IntTensor } from '../../src/tensor/tensor.js';
import { trainClassifier } from '../../src/train/trainer.js';
import { l2 } from './golden.js';
import {
  assertClose,
  assertGradients,
  assertSameFile,
  at,
  projectGolden,
  type Tolerance,
  type PairsGolden,
  type TrainStepGolden,
} from './project-golden.js';

const inputs = projectGolden<PairsGolden>('bert-pairs.json').inputs;
const LABELS = ['0', '1', '2', '3', '4', '5', '6', '7', '8'];
/**
 * The weights after step `s` (0-based). After the first step, 1e-6 of the weight itself: Adam's first
 * update is lr·g/(|g| + eps), ±lr wherever the gradient is well above eps, so what is checked is the
 * gradient's sign and the optimizer's arithmetic (a weight decay or eps off by a factor fails). The
 * second update, m̂/(√v̂ + eps), depends on the ratio of the two steps' gradients, which agree with
 * PyTorch's to about 1e-5 (float32 sums in another order, see bert-pairs.test.ts); so the weights may
 * also differ by 1e-5 of a step (1e-8 at lr 1e-3), which matters only for weights much smaller than lr.
 */
function stepTolerance(s: number, lr: number): Tolerance {
  return { rel: 1e-6, abs: s === 0 ? 0 : 1e-5 * lr };
}
/**
 * The attention key biases: their exact gradient is zero and both sides hold float32 rounding noise of
 * ~1e-10 per value, which Adam, dividing by |g| + eps, turns into different steps of ~lr·|g|/eps (~2e-5
 * here). Their norms agree to 1.2e-5 (measured); weight decay alone moves them by 1e-5 a step, and that
 * is checked on every other tensor.
 */
const NOISE_TOLERANCE: Tolerance = { rel: 1e-4, abs: 0 };

/** bert-tiny-cls with every dropout probability 0 (a temporary directory beside the shared weights). */
function withoutDropout(dir: string): string {
  const copy = mkdtempSync(join(tmpdir(), 'lora-lab-nodrop-'));
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
  Object.assign(config, { hidden_dropout_prob: 0, attention_probs_dropout_prob: 0, classifier_dropout: 0 });
  writeFileSync(join(copy, 'config.json'), JSON.stringify(config));
  symlinkSync(join(dir, 'model.safetensors'), join(copy, 'model.safetensors'));
  return copy;
}

/** The golden rows, by index, as the trainer's batch (they are padded already). */
function collate(examples: readonly number[]) {
  const width = inputs.input_ids[0].length;
  const rows = (m: number[][]) =>
    IntTensor.from(
      examples.flatMap((i) => m[i]),
      [examples.length, width],
    );
  return {
    inputIds: rows(inputs.input_ids),
    attentionMask: rows(inputs.attention_mask),
    tokenTypeIds: rows(inputs.token_type_ids),
    labels: IntTensor.from(
      examples.map((i) => inputs.labels[i]),
      [examples.length],
    ),
    size: examples.length,
  };
}

interface Observed {
  losses: number[];
  /** The global gradient norm the trainer reports for each step. */
  gradNorms: number[];
  /** Per step, by our parameter name: values at the golden positions and the tensor's L2 norm. */
  steps: Map<string, { values: number[]; norm: number }>[];
}

/** The trainer's own loop: one batch of all eight rows per step, AdamW as torch's, no clipping. */
function train(model: SequenceClassifier, golden: TrainStepGolden, names: Map<string, string>) {
  const params = new Map(model.namedParameters());
  const observed: Observed = { losses: [], gradNorms: [], steps: [] };
  const all = inputs.labels.map((_, i) => i);
  const { optimizer } = golden;
  trainClassifier({
    model,
    rng: new Rng(0),
    seed: 0,
    labels: LABELS,
    train: all,
    val: null,
    test: all,
    collate,
    epochs: golden.steps,
    maxSteps: golden.steps,
    batchSize: all.length,
    lr: optimizer.lr,
    betas: optimizer.betas,
    eps: optimizer.eps,
    weightDecay: optimizer.weight_decay,
    run: { method: 'full', name: 'train-step parity' },
    onProgress: (p) => {
      observed.losses.push(p.loss);
      observed.gradNorms.push(p.gradNorm);
      const step = new Map<string, { values: number[]; norm: number }>();
      for (const [theirs, ours] of names) {
        const data = params.get(ours)!.data;
        step.set(theirs, { values: at(data, golden.params[theirs].index), norm: l2(data) });
      }
      observed.steps.push(step);
    },
  });
  return observed;
}

interface Summary {
  values: number;
  valueRelative: number;
  normRelative: number;
  /** Norms of the tensors whose exact gradient is zero. */
  noiseRelative: number;
}

function checkSteps(
  t: TestContext,
  model: SequenceClassifier,
  golden: TrainStepGolden,
  names: Map<string, string>,
): void {
  const trainable = [...model.namedParameters()].filter(([, p]) => p.requiresGrad).map(([n]) => n);
  assert.deepEqual(
    trainable.sort(),
    [...names.values()].sort(),
    'golden covers exactly our trainable parameters',
  );
  const params = new Map(model.namedParameters());
  for (const [theirs, ours] of names) {
    const ref = golden.params[theirs];
    const data = params.get(ours)!.data;
    assert.deepEqual(at(data, ref.index), ref.before, `${ours} starts from PyTorch's weights`);
  }
  const observed = train(model, golden, names);
  assert.equal(observed.steps.length, golden.steps);
  const losses = assertClose('loss before each step', observed.losses, golden.losses, { rel: 1e-6, abs: 0 });
  const globalNorm = Math.hypot(...Object.values(golden.params).map((p) => p.grad_norm));
  const norm = assertClose('first global gradient norm', [observed.gradNorms[0]], [globalNorm], {
    rel: 1e-5,
    abs: 0,
  });
  const perStep: Summary[] = [];
  for (let s = 0; s < golden.steps; s++) {
    const summary: Summary = { values: 0, valueRelative: 0, normRelative: 0, noiseRelative: 0 };
    for (const [theirs, ours] of names) {
      const ref = golden.params[theirs];
      const got = observed.steps[s].get(theirs)!;
      const what = `${ours} after step ${s + 1}`;
      if (ref.zero_gradient) {
        const c = assertClose(`${what}: norm`, [got.norm], [ref.updated_norm[s]], NOISE_TOLERANCE);
        summary.noiseRelative = Math.max(summary.noiseRelative, c.maxRelative);
        continue;
      }
      const tol = stepTolerance(s, golden.optimizer.lr);
      const c = assertClose(what, got.values, ref.updated[s], tol, ref.index);
      summary.valueRelative = Math.max(summary.valueRelative, c.maxRelative);
      summary.values += ref.index.length;
      const n = assertClose(`${what}: norm`, [got.norm], [ref.updated_norm[s]], tol);
      summary.normRelative = Math.max(summary.normRelative, n.maxRelative);
    }
    perStep.push(summary);
  }
  const hasNoise = Object.values(golden.params).some((p) => p.zero_gradient);
  t.diagnostic(
    `max relative error: losses ${losses.maxRelative.toExponential(2)}, ` +
      `first gradient norm ${norm.maxRelative.toExponential(2)}; ` +
      perStep
        .map(
          (s, i) =>
            `after step ${i + 1}: weights ${s.valueRelative.toExponential(2)} (${s.values} positions), ` +
            `norms ${s.normRelative.toExponential(2)}` +
            (hasNoise ? `, key-bias norms ${s.noiseRelative.toExponential(2)}` : ''),
        )
        .join('; '),
  );
}

async function fullFineTuning(t: TestContext): Promise<void> {
  const dir = requireShared(t, 'fixtures', 'bert-tiny-cls');
  if (!dir) return;
  const golden = projectGolden<TrainStepGolden>('train-step-full.json');
  assertSameFile(join(dir, 'model.safetensors'), golden.meta.model_sha256, 'the shared bert-tiny-cls');
  const copy = withoutDropout(dir);
  try {
    const { model } = await loadSequenceClassifier(copy, { rng: new Rng(0) });
    checkSteps(t, model, golden, new Map(Object.keys(golden.params).map((n) => [n, n])));
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}

async function loraTraining(t: TestContext): Promise<void> {
  const dir = requireShared(t, 'fixtures', 'bert-tiny-cls');
  const adapter = requireShared(t, 'fixtures', 'peft-lora-adapter');
  if (!dir || !adapter) return;
  const golden = projectGolden<TrainStepGolden>('train-step-lora.json');
  assertSameFile(
    join(adapter, 'adapter_model.safetensors'),
    golden.meta.adapter_sha256,
    'the shared adapter',
  );
  const copy = withoutDropout(dir);
  try {
    const { model } = await loadSequenceClassifier(copy, { rng: new Rng(0) });
    loadPeftAdapter(model, adapter, { trainable: true });
    const names = new Map(Object.keys(golden.params).map((n) => [n, fromPeftParameterName(n)]));
    checkSteps(t, model, golden, names);
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}

async function loraGradients(t: TestContext): Promise<void> {
  const dir = requireShared(t, 'fixtures', 'bert-tiny-cls');
  const adapter = requireShared(t, 'fixtures', 'peft-lora-adapter');
  if (!dir || !adapter) return;
  const golden = projectGolden<TrainStepGolden>('train-step-lora.json');
  const copy = withoutDropout(dir);
  try {
    const { model } = await loadSequenceClassifier(copy, { rng: new Rng(0) });
    loadPeftAdapter(model, adapter, { trainable: true });
    model.train();
    const batch = collate(inputs.labels.map((_, i) => i));
    backward(
      model.loss(model.forward(batch.inputIds, batch.attentionMask, batch.tokenTypeIds), batch.labels),
    );
    const byOurName = new Map(Object.entries(golden.params).map(([n, g]) => [fromPeftParameterName(n), g]));
    const trainable = [...model.namedParameters()].filter(([, p]) => p.requiresGrad);
    assert.deepEqual(trainable.map(([n]) => n).sort(), [...byOurName.keys()].sort());
    const g = assertGradients(trainable, byOurName);
    t.diagnostic(
      `max relative error: gradient norms ${g.normRelative.toExponential(2)}, ` +
        `gradient values ${g.valueRelative.toExponential(2)} (${g.values} positions)`,
    );
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}

test('LoRA and classifier gradients on the pair batch, train mode, dropout 0 (reference kernels)', async (t) => {
  await loraGradients(t);
});

for (const { backend, label } of FAST_BACKENDS) {
  test(`LoRA and classifier gradients on the pair batch, train mode, dropout 0 (${label}, 2 threads)`, async (t) => {
    await withFastKernels(() => loraGradients(t), backend);
  });
}

for (const [what, run] of [
  ['full fine-tuning', fullFineTuning],
  ['LoRA (PEFT adapter, trainable)', loraTraining],
] as const) {
  test(`two trainer steps with dropout 0, ${what}: PyTorch's AdamW weights (reference kernels)`, async (t) => {
    await run(t);
  });
  for (const { backend, label } of FAST_BACKENDS) {
    test(`two trainer steps with dropout 0, ${what}: PyTorch's AdamW weights (${label}, 2 threads)`, async (t) => {
      await withFastKernels(() => run(t), backend);
    });
  }
}
