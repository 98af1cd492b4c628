import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSequenceClassifier, saveHfDirectory } from '../../../src/io/hf-directory.js';
import { createLoraConfig } from '../../../src/lora/config.js';
import { applyLora, loraLayers } from '../../../src/lora/inject.js';
import { ModernBertConfig } from '../../../src/models/modernbert/config.js';
import { modernBertConfigFromJSON } from '../../../src/models/modernbert/config-json.js';
import { ModernBertForSequenceClassification } from '../../../src/models/modernbert/sequence-classification.js';
import { countParameters } from '../../../src/nn/index.js';
import { AdamW } from '../../../src/optim/adamw.js';
import { backward, noGrad } from '../../../src/tensor/autograd.js';
import { Rng } from '../../../src/tensor/random.js';
import { IntTensor } from '../../../src/tensor/tensor.js';
import { withFastKernels } from '../../helpers/fast-kernels.js';

const LABELS = ['billing', 'fraud', 'other'];
const GIB = 1024 ** 3;

/** answerdotai/ModernBERT-base's architecture, which is also transformers' ModernBertConfig default. */
function baseConfig(): ModernBertConfig {
  const config = modernBertConfigFromJSON({
    model_type: 'modernbert',
    vocab_size: 50368,
    hidden_size: 768,
    intermediate_size: 1152,
    num_hidden_layers: 22,
    num_attention_heads: 12,
    global_attn_every_n_layers: 3,
    local_attention: 128,
    global_rope_theta: 160000,
    local_rope_theta: 10000,
    classifier_pooling: 'mean',
    id2label: { 0: 'billing', 1: 'fraud', 2: 'other' },
  });
  return config;
}

/**
 * Fills every weight from `seed`: uniform in ±0.05 (about initializer_range's spread), norms at 1.
 * A small generator of its own, since 150 million truncated normals from Rng take half a minute here.
 */
function seededWeights(model: ModernBertForSequenceClassification, seed: number): void {
  let state = seed >>> 0;
  for (const [name, p] of model.namedParameters()) {
    if (/norm\.weight$/.test(name)) {
      p.data.fill(1);
      continue;
    }
    const d = p.data;
    for (let i = 0; i < d.length; i++) {
      // mulberry32
      state = (state + 0x6d2b79f5) >>> 0;
      let x = Math.imul(state ^ (state >>> 15), state | 1);
      x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
      d[i] = ((((x ^ (x >>> 14)) >>> 0) / 4294967296) * 2 - 1) * 0.05;
    }
  }
}

/** Builds the model from a seed and saves it, in a function of its own so that its memory can go. */
async function saveSeeded(dir: string): Promise<number> {
  const model = new ModernBertForSequenceClassification(baseConfig(), new Rng(0), { initialize: false });
  seededWeights(model, 2024);
  await saveHfDirectory(model, dir, { labels: LABELS });
  return countParameters(model);
}

test('ModernBERT-base size: seeded weights → HF directory → load → LoRA → one AdamW step → predict', async (t) => {
  // The WebAssembly kernels, as the CLI trains; the reference ones take minutes at this size.
  await withFastKernels(() => trainOneStep(t));
});

async function trainOneStep(t: TestContext): Promise<void> {
  const started = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'lora-lab-modernbert-base-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));

  const parameters = await saveSeeded(dir);
  // ModernBERT-base's 149,014,272 encoder parameters, the head's dense and norm, a 3-label classifier.
  assert.equal(parameters, 149_014_272 + 768 * 768 + 768 + 3 * 768 + 3);
  assert.equal(statSync(join(dir, 'model.safetensors')).size > parameters * 4, true);

  const { model, missing, unexpected } = await loadSequenceClassifier(dir, { rng: new Rng(1) });
  assert.deepEqual([missing, unexpected], [[], []]);
  const config = model.config as ModernBertConfig;
  assert.equal(config.layerTypes.filter((type) => type === 'full_attention').length, 8);

  applyLora(model, createLoraConfig({ task_type: 'SEQ_CLS', r: 8, lora_alpha: 16 }), new Rng(7));
  const adapted = loraLayers(model).map(([path]) => path);
  assert.equal(adapted.length, 22);
  assert.ok(adapted.every((path) => path.endsWith('.attn.Wqkv')));
  const trainable = [...model.namedParameters()].filter(([, p]) => p.requiresGrad);
  // r·(768 + 2304) per layer, and the classifier.
  assert.equal(
    trainable.reduce((n, [, p]) => n + p.size, 0),
    22 * 8 * (768 + 3 * 768) + 3 * 768 + 3,
  );

  // Batch 2 × length 16, the second row padded after 11 tokens.
  const rng = new Rng(11);
  const ids = IntTensor.from(
    Array.from({ length: 32 }, (_, i) => (i % 16 === 0 ? 50281 : 1000 + Math.floor(rng.uniform() * 40000))),
    [2, 16],
  );
  const mask = IntTensor.from(
    Array.from({ length: 32 }, (_, i) => (i < 16 + 11 ? 1 : 0)),
    [2, 16],
  );
  const labels = IntTensor.from([0, 2], [2]);
  const frozenBefore = Float32Array.from(
    model.stateDict().get('model.layers.5.attn.Wqkv.base_layer.weight')!.data,
  );

  model.train();
  const optimizer = new AdamW(trainable, { lr: 1e-3 });
  const loss = model.loss(model.forward(ids, mask), labels);
  assert.ok(Number.isFinite(loss.data[0]) && loss.data[0] > 0, `loss ${loss.data[0]}`);
  backward(loss);
  assert.ok(
    trainable.every(([, p]) => p.grad !== null),
    'every trainable parameter has a gradient',
  );
  optimizer.step();
  optimizer.zeroGrad();

  const loraB = model.stateDict().get('model.layers.5.attn.Wqkv.lora_B.weight')!.data;
  assert.ok(
    loraB.some((v) => v !== 0),
    'the step moved LoRA B away from zero',
  );
  assert.deepEqual(model.stateDict().get('model.layers.5.attn.Wqkv.base_layer.weight')!.data, frozenBefore);

  model.eval();
  const logits = noGrad(() => model.forward(ids, mask));
  assert.deepEqual(logits.shape, [2, 3]);
  assert.ok(logits.data.every(Number.isFinite));
  const predictions = [0, 1].map((row) => {
    const r = Array.from(logits.data.subarray(row * 3, row * 3 + 3));
    return LABELS[r.indexOf(Math.max(...r))];
  });
  assert.ok(predictions.every((label) => LABELS.includes(label)));

  const seconds = (performance.now() - started) / 1000;
  const peak = (process.resourceUsage().maxRSS * 1024) / GIB;
  t.diagnostic(
    `ModernBERT-base: ${parameters.toLocaleString('en')} parameters, LoRA step and predictions ${predictions.join(', ')} in ${seconds.toFixed(1)} s, peak memory ${peak.toFixed(2)} GiB`,
  );
  assert.ok(peak < 2.2, `peak memory ${peak.toFixed(2)} GiB`);
  assert.ok(seconds < 90, `took ${seconds.toFixed(1)} s`);
}
