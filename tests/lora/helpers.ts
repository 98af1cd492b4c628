// Shared by the LoRA tests: a small BERT classifier (fast to build and run) and a fixed batch for it.
import { BertConfig } from '../../src/models/bert/config.js';
import { BertForSequenceClassification } from '../../src/models/bert/sequence-classification.js';
import { createLoraConfig, type LoraConfigInit } from '../../src/lora/config.js';
import { Rng } from '../../src/tensor/random.js';
import { IntTensor } from '../../src/tensor/tensor.js';

export function smallConfig(
  options: { layers?: number; labels?: number; dropout?: number } = {},
): BertConfig {
  const dropout = options.dropout ?? 0;
  return new BertConfig({
    vocabSize: 64,
    hiddenSize: 16,
    numHiddenLayers: options.layers ?? 2,
    numAttentionHeads: 2,
    intermediateSize: 32,
    maxPositionEmbeddings: 32,
    typeVocabSize: 2,
    layerNormEps: 1e-12,
    hiddenDropoutProb: dropout,
    attentionProbsDropoutProb: dropout,
    hiddenAct: 'gelu',
    initializerRange: 0.2,
    classifierDropout: null,
    padTokenId: 0,
    labels: Array.from({ length: options.labels ?? 3 }, (_, i) => `L${i}`),
  });
}

export function smallModel(
  seed = 1,
  options: Parameters<typeof smallConfig>[0] = {},
): BertForSequenceClassification {
  return new BertForSequenceClassification(smallConfig(options), new Rng(seed));
}

/** The study's LoRA: r 8, alpha 16, query and value, sequence classification. */
export function studyConfig(init: LoraConfigInit = {}) {
  return createLoraConfig({
    r: 8,
    lora_alpha: 16,
    target_modules: ['query', 'value'],
    task_type: 'SEQ_CLS',
    ...init,
  });
}

export function batch(seed = 7, b = 3, t = 6): { ids: IntTensor; mask: IntTensor; labels: IntTensor } {
  const rng = new Rng(seed);
  const ids: number[] = [];
  const mask: number[] = [];
  for (let i = 0; i < b; i++) {
    const len = t - (i % 2);
    for (let j = 0; j < t; j++) {
      ids.push(j < len ? 1 + rng.int(63) : 0);
      mask.push(j < len ? 1 : 0);
    }
  }
  return {
    ids: IntTensor.from(ids, [b, t]),
    mask: IntTensor.from(mask, [b, t]),
    labels: IntTensor.from(
      Array.from({ length: b }, (_, i) => i % 3),
      [b],
    ),
  };
}

/** Gives every LoRA B a random value, so that the adapter changes the output (B starts at zero). */
export function perturbLora(model: BertForSequenceClassification, seed = 3, scale = 0.5): void {
  const rng = new Rng(seed);
  for (const [name, p] of model.namedParameters()) {
    if (!name.includes('lora_')) continue;
    for (let i = 0; i < p.data.length; i++) p.data[i] += scale * rng.normal();
  }
}
