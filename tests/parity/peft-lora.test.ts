import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireShared } from '../helpers/shared.js';
import { FAST_BACKENDS, withFastKernels } from '../helpers/fast-kernels.js';
import { loadSequenceClassifier } from '../../src/io/hf-directory.js';
import { fromPeftParameterName, loadPeftAdapter, savePeftAdapter } from '../../src/io/peft-adapter.js';
import { mergeAndUnload, mergeLora, unmergeLora } from '../../src/lora/merge.js';
import { LoRALinear } from '../../src/lora/lora-linear.js';
import { trainableParameterReport } from '../../src/lora/report.js';
import { backward, noGrad } from '../../src/tensor/autograd.js';
import { Rng } from '../../src/tensor/random.js';
import { batchOf, l2, maxAbsDiff, type GoldenInputs } from './golden.js';
import { assertClose, GRADIENT_TOLERANCE } from './project-golden.js';

type Inputs = GoldenInputs;

interface PeftGolden {
  logits: number[][];
  merged_logits: number[][];
  loss: number;
  grads: Record<string, { norm: number; first: number[] }>;
}

interface Fixtures {
  base: string;
  adapter: string;
  inputs: Inputs;
  golden: PeftGolden;
}

function fixtures(t: TestContext): Fixtures | null {
  const base = requireShared(t, 'fixtures', 'bert-tiny-cls');
  const adapter = requireShared(t, 'fixtures', 'peft-lora-adapter');
  const inputsPath = requireShared(t, 'fixtures', 'forward_backward_golden.json');
  const goldenPath = requireShared(t, 'fixtures', 'peft_lora_golden.json');
  if (!base || !adapter || !inputsPath || !goldenPath) return null;
  return {
    base,
    adapter,
    inputs: JSON.parse(readFileSync(inputsPath, 'utf8')) as Inputs,
    golden: JSON.parse(readFileSync(goldenPath, 'utf8')) as PeftGolden,
  };
}

async function checkPeftGolden(t: TestContext): Promise<void> {
  const f = fixtures(t);
  if (!f) return;
  const { model } = await loadSequenceClassifier(f.base, { rng: new Rng(0) });
  loadPeftAdapter(model, f.adapter, { trainable: true });
  model.eval();
  const { ids, mask, types, labels } = batchOf(f.inputs);

  const logits = model.forward(ids, mask, types);
  const logitDiff = maxAbsDiff(logits.data, f.golden.logits.flat());
  const loss = model.loss(logits, labels);
  const lossDiff = Math.abs(loss.data[0] - f.golden.loss);
  backward(loss);

  // The golden names are PEFT's in-memory ones (`…lora_A.default.weight`,
  // `base_model.model.classifier.modules_to_save.default.weight`): mapped, they must be exactly our
  // trainable parameters.
  const goldenByOurName = new Map(
    Object.entries(f.golden.grads).map(([k, v]) => [fromPeftParameterName(k), v]),
  );
  const trainable = [...model.namedParameters()].filter(([, p]) => p.requiresGrad).map(([n]) => n);
  assert.deepEqual([...trainable].sort(), [...goldenByOurName.keys()].sort());

  let worstNorm = 0;
  let worstFirst = 0;
  for (const [name, p] of model.namedParameters()) {
    const ref = goldenByOurName.get(name);
    if (!ref) {
      assert.equal(p.grad, null, `frozen ${name} received a gradient`);
      continue;
    }
    assert.ok(p.grad, `${name} received no gradient`);
    const norm = l2(p.grad);
    const rel = Math.abs(norm - ref.norm) / ref.norm;
    assert.ok(rel <= 1e-3, `${name}: gradient norm ${norm} vs ${ref.norm}`);
    const first = assertClose(
      `${name}: first gradient values`,
      p.grad.subarray(0, 8),
      ref.first,
      GRADIENT_TOLERANCE,
    );
    worstNorm = Math.max(worstNorm, rel);
    worstFirst = Math.max(worstFirst, first.worstRatio);
  }

  // Merged in place, then unmerged: the same logits as PEFT's merge_and_unload, then the base restored.
  mergeLora(model);
  const merged = noGrad(() => model.forward(ids, mask, types));
  const mergedDiff = maxAbsDiff(merged.data, f.golden.merged_logits.flat());
  unmergeLora(model);
  const again = noGrad(() => model.forward(ids, mask, types));
  assert.ok(maxAbsDiff(again.data, logits.data) <= 1e-6, 'unmerged logits are the adapter logits again');

  // mergeAndUnload: a plain BERT again, with the same logits.
  mergeAndUnload(model);
  assert.ok(![...model.namedModules()].some(([, m]) => m instanceof LoRALinear));
  assert.ok(model.stateDict().has('bert.encoder.layer.0.attention.self.query.weight'));
  const unloaded = noGrad(() => model.forward(ids, mask, types));
  const unloadedDiff = maxAbsDiff(unloaded.data, f.golden.merged_logits.flat());

  t.diagnostic(
    `logits max |Δ| ${logitDiff.toExponential(2)}, merged ${mergedDiff.toExponential(2)}, unloaded ${unloadedDiff.toExponential(2)}, ` +
      `loss |Δ| ${lossDiff.toExponential(2)}, worst relative gradient-norm error ${worstNorm.toExponential(2)}, ` +
      `worst first-8 error ${worstFirst.toExponential(2)} of its tolerance`,
  );
  assert.ok(logitDiff <= 1e-4, `logits differ by ${logitDiff}`);
  assert.ok(mergedDiff <= 1e-4, `merged logits differ by ${mergedDiff}`);
  assert.ok(unloadedDiff <= 1e-4, `merge-and-unload logits differ by ${unloadedDiff}`);
  assert.ok(lossDiff <= 1e-5, `loss differs by ${lossDiff}`);
}

test('PEFT adapter on bert-tiny-cls matches PEFT: logits, loss, LoRA and classifier gradients, merged logits', async (t) => {
  await checkPeftGolden(t);
});

for (const { backend, label } of FAST_BACKENDS) {
  test(`PEFT adapter parity holds on the fast backend (${label}, 2 threads)`, async (t) => {
    await withFastKernels(() => checkPeftGolden(t), backend);
  });
}

test('PEFT adapter: PEFT counts 9,353 trainable of 4,396,434', async (t) => {
  const f = fixtures(t);
  if (!f) return;
  const { model } = await loadSequenceClassifier(f.base, { rng: new Rng(0) });
  loadPeftAdapter(model, f.adapter, { trainable: true });
  const report = trainableParameterReport(model);
  assert.equal(report.text, 'trainable params: 9,353 || all params: 4,396,434 || trainable%: 0.2127');
  // Without is_trainable, PEFT's from_pretrained freezes everything; so do we.
  const { model: frozen } = await loadSequenceClassifier(f.base, { rng: new Rng(0) });
  loadPeftAdapter(frozen, f.adapter);
  assert.equal(trainableParameterReport(frozen).trainable, 0);
});

test('PEFT adapter round trip: saved by us, loaded into a fresh base, same logits and same bytes', async (t) => {
  const f = fixtures(t);
  if (!f) return;
  const { ids, mask, types } = batchOf(f.inputs);
  const { model } = await loadSequenceClassifier(f.base, { rng: new Rng(0) });
  loadPeftAdapter(model, f.adapter);
  model.eval();
  const before = noGrad(() => model.forward(ids, mask, types));

  const dir = mkdtempSync(join(tmpdir(), 'lora-lab-peft-'));
  try {
    savePeftAdapter(model, dir, undefined, { baseModelNameOrPath: f.base });
    const saved = JSON.parse(readFileSync(join(dir, 'adapter_config.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    assert.equal(saved.base_model_name_or_path, f.base);
    assert.equal(saved.inference_mode, true);
    // Same tensor names, shapes and bytes as PEFT's own file (the header layout may differ).
    const ours = readFileSync(join(dir, 'adapter_model.safetensors'));
    const theirs = readFileSync(join(f.adapter, 'adapter_model.safetensors'));
    assert.deepEqual(tensorsOf(ours), tensorsOf(theirs));

    const { model: fresh } = await loadSequenceClassifier(f.base, { rng: new Rng(1) });
    loadPeftAdapter(fresh, dir);
    fresh.eval();
    const after = noGrad(() => fresh.forward(ids, mask, types));
    assert.deepEqual(Array.from(after.data), Array.from(before.data));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

function tensorsOf(file: Buffer): Record<string, { shape: number[]; bytes: string }> {
  const n = Number(file.readBigUInt64LE(0));
  const header = JSON.parse(file.subarray(8, 8 + n).toString('utf8')) as Record<
    string,
    { shape: number[]; data_offsets: [number, number] }
  >;
  const out: Record<string, { shape: number[]; bytes: string }> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const [b, e] = entry.data_offsets;
    out[name] = { shape: entry.shape, bytes: file.subarray(8 + n + b, 8 + n + e).toString('base64') };
  }
  return out;
}
