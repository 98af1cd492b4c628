// roberta-base at its published size (12 layers, hidden 768, 12 heads, intermediate 3072, vocabulary
// 50,265, 514 positions: ~125 M parameters, ~500 MB of float32), with weights from a seed: saved as a
// Hugging Face directory, loaded back, adapted with LoRA's defaults, trained one step and asked to predict.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSequenceClassifier, saveHfDirectory } from '../../../src/io/hf-directory.js';
import { createLoraConfig } from '../../../src/lora/config.js';
import { applyLora, loraLayers } from '../../../src/lora/inject.js';
import { robertaBaseConfig } from '../../../src/models/roberta/config.js';
import { RobertaForSequenceClassification } from '../../../src/models/roberta/sequence-classification.js';
import { countParameters } from '../../../src/nn/index.js';
import { AdamW } from '../../../src/optim/adamw.js';
import { backward, noGrad } from '../../../src/tensor/autograd.js';
import { Rng } from '../../../src/tensor/random.js';
import { IntTensor } from '../../../src/tensor/tensor.js';
import { withFastKernels } from '../../helpers/fast-kernels.js';

const LABELS = ['billing', 'fraud', 'other'];
const MEMORY_LIMIT = 2.5 * 2 ** 30;

/** Two rows of 16 tokens, the second padded after 11, as the byte-level BPE tokenizer lays them out. */
function batch(): { ids: IntTensor; mask: IntTensor; labels: IntTensor } {
  const rng = new Rng(11);
  const row = (real: number): number[] =>
    Array.from({ length: 16 }, (_, t) =>
      t === 0 ? 0 : t === real - 1 ? 2 : t >= real ? 1 : 3 + rng.int(50000),
    );
  const mask = (real: number): number[] => Array.from({ length: 16 }, (_, t) => (t < real ? 1 : 0));
  return {
    ids: IntTensor.from([...row(16), ...row(11)], [2, 16]),
    mask: IntTensor.from([...mask(16), ...mask(11)], [2, 16]),
    labels: IntTensor.from([2, 0], [2]),
  };
}

/**
 * Weights from a seed, uniform in ±0.05 around HF's LayerNorm 1 and 0: a real checkpoint's scale, at a
 * fraction of the time of 125 M Box–Muller normals (HF's initialisation is tested on small models).
 */
function seededWeights(model: RobertaForSequenceClassification, rng: Rng): void {
  for (const [name, p] of model.namedParameters()) {
    const centre = name.endsWith('LayerNorm.weight') ? 1 : 0;
    const data = p.data;
    for (let i = 0; i < data.length; i++) data[i] = centre + (rng.uniform() - 0.5) * 0.1;
  }
}

/** Builds the seeded model, saves it to `dir` and returns its eval-mode logits; the model is then dropped. */
async function buildAndSave(dir: string): Promise<{ logits: Float32Array; parameters: number }> {
  const model = new RobertaForSequenceClassification(robertaBaseConfig(LABELS), new Rng(2024), {
    initialize: false,
  }).eval();
  seededWeights(model, new Rng(2024));
  await saveHfDirectory(model, dir, { labels: LABELS });
  const { ids, mask } = batch();
  return { logits: noGrad(() => model.forward(ids, mask)).data.slice(), parameters: countParameters(model) };
}

test('roberta-base size: save, load, LoRA, one AdamW step and a prediction, well under 2.5 GB', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lora-lab-roberta-base-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  let peakRss = 0;
  const started = Date.now();
  let lapStart = started;
  const laps: string[] = [];
  /** Notes the memory in use and the seconds since the last mark. */
  const mark = (what: string): void => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    laps.push(`${what} ${((Date.now() - lapStart) / 1000).toFixed(1)} s`);
    lapStart = Date.now();
  };
  await withFastKernels(async () => {
    const saved = await buildAndSave(dir);
    mark('build and save');
    assert.equal(
      saved.parameters,
      124_647_939,
      'RobertaModel without pooler (124,055,040) and a 3-label head (592,899)',
    );
    const fileBytes = statSync(join(dir, 'model.safetensors')).size;
    assert.ok(fileBytes > saved.parameters * 4, `model.safetensors holds every float32 (${fileBytes} bytes)`);

    const loaded = await loadSequenceClassifier(dir, { rng: new Rng(1) });
    mark('load');
    const model = loaded.model;
    assert.deepEqual([loaded.missing, loaded.unexpected], [[], []]);
    const { ids, mask, labels } = batch();
    model.eval();
    assert.deepEqual(
      noGrad(() => model.forward(ids, mask)).data,
      saved.logits,
      'the same logits after loading',
    );

    applyLora(model, createLoraConfig({ task_type: 'SEQ_CLS', r: 8, lora_alpha: 16 }), new Rng(3));
    assert.equal(loraLayers(model).length, 24, 'query and value of 12 layers');
    const trainable = [...model.namedParameters()].filter(([, p]) => p.requiresGrad);
    const loraB = model.stateDict().get('roberta.encoder.layer.11.attention.self.value.lora_B.weight')!;
    const frozen = model.stateDict().get('roberta.encoder.layer.0.attention.self.query.base_layer.weight')!;
    const frozenBefore = frozen.data.slice(0, 64);

    model.train();
    const optimizer = new AdamW(trainable, { lr: 1e-3 });
    const loss = model.loss(model.forward(ids, mask), labels);
    assert.ok(Number.isFinite(loss.data[0]) && loss.data[0] > 0, `loss ${loss.data[0]}`);
    backward(loss);
    mark('train step');
    assert.ok(
      loraB.grad!.some((v) => v !== 0),
      'lora_B gets a gradient',
    );
    assert.equal(frozen.grad, null, 'a frozen base weight gets none');
    optimizer.step();
    model.zeroGrad();
    assert.ok(
      loraB.data.some((v) => v !== 0),
      'the step moved lora_B off zero',
    );
    assert.deepEqual(frozen.data.slice(0, 64), frozenBefore, 'base weights stay as loaded');

    model.eval();
    const predicted = noGrad(() => model.forward(ids, mask));
    mark('predict');
    assert.deepEqual(predicted.shape, [2, LABELS.length]);
    assert.ok(predicted.data.every(Number.isFinite));
    assert.notDeepEqual(predicted.data, saved.logits, 'the trained adapter and head change the prediction');
  });
  const seconds = (Date.now() - started) / 1000;
  t.diagnostic(
    `roberta-base: peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB, ${seconds.toFixed(1)} s in all (${laps.join(', ')})`,
  );
  assert.ok(peakRss < MEMORY_LIMIT, `peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB`);
});
