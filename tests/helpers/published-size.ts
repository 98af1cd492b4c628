// One fine-tuning round trip at a published checkpoint's real size, for the family tests: save the
// seeded model as a Hugging Face directory, load it back, apply LoRA on the default targets, take one
// training step and predict. It keeps only one full-size model alive at a time.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSequenceClassifier, saveHfDirectory } from '../../src/io/hf-directory.js';
import { createLoraConfig } from '../../src/lora/config.js';
import { applyLora } from '../../src/lora/inject.js';
import { trainableParameterReport } from '../../src/lora/report.js';
import type { SequenceClassifier } from '../../src/models/family.js';
import { AdamW } from '../../src/optim/adamw.js';
import { backward, noGrad } from '../../src/tensor/autograd.js';
import { Rng } from '../../src/tensor/random.js';
import { IntTensor } from '../../src/tensor/tensor.js';
import { hashedTensorData } from '../parity/families/family-golden.js';

export interface PublishedSizeBatch {
  ids: IntTensor;
  mask: IntTensor;
  types?: IntTensor;
  labels: IntTensor;
}

/** Batch 2 × 16 of ids below `vocabSize`: [CLS]-like 101 first, the second row padded after 11 tokens. */
export function publishedSizeBatch(vocabSize: number, withTypes: boolean): PublishedSizeBatch {
  const rng = new Rng(11);
  const ids = new Int32Array(32);
  const mask = new Int32Array(32).fill(1);
  const types = new Int32Array(32);
  for (let i = 0; i < 32; i++) ids[i] = 1000 + rng.int(vocabSize - 1000);
  ids[0] = ids[16] = 101;
  for (let i = 16 + 11; i < 32; i++) {
    ids[i] = 0;
    mask[i] = 0;
  }
  for (let i = 8; i < 16; i++) types[i] = 1;
  return {
    ids: new IntTensor(ids, [2, 16]),
    mask: new IntTensor(mask, [2, 16]),
    types: withTypes ? new IntTensor(types, [2, 16]) : undefined,
    labels: IntTensor.from([1, 0], [2]),
  };
}

/**
 * Fills every parameter from the golden files' hash, salted with `seed`: LayerNorm weights near 1, the
 * rest uniform in ±0.04 (about the N(0, 0.02) of a fresh model). Ten times faster than the normal
 * draws of `initWeights` over 66 million values, which is all a size test needs.
 */
export function fillSeeded<M extends SequenceClassifier>(model: M, seed: number): M {
  for (const [name, p] of model.namedParameters()) {
    const norm = /(LayerNorm|layer_norm)\.weight$/.test(name);
    p.data.set(
      hashedTensorData(`${seed}:${name}`, {
        shape: [...p.shape],
        scale: norm ? 0.05 : 0.04,
        offset: norm ? 1 : 0,
      }),
    );
  }
  return model;
}

export interface PublishedSizeResult {
  /** The loaded model's own parameter count. */
  parameters: number;
  /** PEFT's print_trainable_parameters line after LoRA. */
  trainableLine: string;
  loraLayers: number;
  lossBefore: number;
  lossAfter: number;
  /** Peak resident memory of this process, in MiB. */
  peakMiB: number;
}

function evalLoss(
  model: SequenceClassifier,
  batch: PublishedSizeBatch,
): { loss: number; logits: Float32Array } {
  model.eval();
  return noGrad(() => {
    const logits = model.forward(batch.ids, batch.mask, batch.types);
    return { loss: model.loss(logits, batch.labels).data[0], logits: logits.data.slice() };
  });
}

/**
 * Saves `build()`'s model, loads it (same logits), applies LoRA with PEFT's defaults for SEQ_CLS
 * (r 8, alpha 8, the family's default targets), takes one AdamW step on `batch` in training mode and
 * predicts in eval mode, checking along the way that only the adapter and the head move.
 */
export async function fineTuneAtPublishedSize(
  build: () => SequenceClassifier,
  batch: PublishedSizeBatch,
): Promise<PublishedSizeResult> {
  const dir = mkdtempSync(join(tmpdir(), 'lora-lab-published-'));
  try {
    const saved = await saveBuilt(build, dir, batch);
    const loaded = await loadSequenceClassifier(dir, { rng: new Rng(2) });
    assert.deepEqual([loaded.missing, loaded.unexpected], [[], []], 'the saved directory loads whole');
    const model = loaded.model;
    const before = evalLoss(model, batch);
    assert.deepEqual(before.logits, saved, 'the loaded model predicts as the saved one');
    const parameters = trainableParameterReport(model).parameters;

    const state = applyLora(model, createLoraConfig({ task_type: 'SEQ_CLS' }), new Rng(3));
    const trainable = [...model.namedParameters()].filter(([, p]) => p.requiresGrad).map(([n]) => n);
    const frozenProbe = [...model.namedParameters()].find(([n]) => n.endsWith('base_layer.weight'))!;
    const frozenBefore = frozenProbe[1].data.slice(0, 64);

    model.train();
    const optimizer = new AdamW(model.namedParameters(), { lr: 1e-3 });
    const loss = model.loss(model.forward(batch.ids, batch.mask, batch.types), batch.labels);
    backward(loss);
    for (const [name, p] of model.namedParameters()) {
      if (p.requiresGrad) assert.ok(p.grad, `${name} has a gradient`);
      else assert.equal(p.grad, null, `frozen ${name} got no gradient work`);
    }
    optimizer.step();
    optimizer.zeroGrad();
    assert.deepEqual(optimizer.parameterNames, trainable);

    const after = evalLoss(model, batch);
    assert.ok(
      after.logits.every((v) => Number.isFinite(v)),
      'predictions are finite',
    );
    assert.deepEqual(frozenProbe[1].data.slice(0, 64), frozenBefore, `${frozenProbe[0]} did not move`);
    return {
      parameters,
      trainableLine: trainableParameterReport(model).text,
      loraLayers: state.targets.length,
      lossBefore: before.loss,
      lossAfter: after.loss,
      peakMiB: process.resourceUsage().maxRSS / 1024,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Builds, saves and forgets the full model, returning its eval logits, so it can be collected before the load. */
async function saveBuilt(
  build: () => SequenceClassifier,
  dir: string,
  batch: PublishedSizeBatch,
): Promise<Float32Array> {
  const model = build();
  await saveHfDirectory(model, dir, { labels: model.config.labels });
  return evalLoss(model, batch).logits;
}
