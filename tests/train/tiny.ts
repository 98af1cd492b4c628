// Shared by the training tests: a tiny BERT classifier and a trivially separable synthetic task.
import { BertConfig } from '../../src/models/bert/config.js';
import { BertForSequenceClassification } from '../../src/models/bert/sequence-classification.js';
import { IntTensor } from '../../src/tensor/tensor.js';
import { Rng } from '../../src/tensor/random.js';
import type { TrainBatch } from '../../src/train/evaluate.js';

export interface ToyExample {
  ids: number[];
  label: number;
}

export const TOY_LABELS = ['alpha', 'beta', 'gamma'];

export function tinyConfig(dropout = 0.1, initializerRange = 0.02): BertConfig {
  return new BertConfig({
    vocabSize: 50,
    hiddenSize: 16,
    numHiddenLayers: 1,
    numAttentionHeads: 2,
    intermediateSize: 32,
    maxPositionEmbeddings: 32,
    typeVocabSize: 2,
    layerNormEps: 1e-12,
    hiddenDropoutProb: dropout,
    attentionProbsDropoutProb: dropout,
    hiddenAct: 'gelu',
    initializerRange,
    classifierDropout: null,
    padTokenId: 0,
    labels: TOY_LABELS,
  });
}

/** The model and the generator it was built with (the trainer must get that same generator). */
export function tinyModel(
  seed: number,
  dropout = 0.1,
  initializerRange = 0.02,
): { model: BertForSequenceClassification; rng: Rng } {
  const rng = new Rng(seed);
  return { model: new BertForSequenceClassification(tinyConfig(dropout, initializerRange), rng), rng };
}

/** [CLS]=1, then 3–7 tokens drawn from the class's own block of 13 ids (10–22, 23–35, 36–48). */
export function toyExamples(count: number, seed: number): ToyExample[] {
  const rng = new Rng(seed);
  const out: ToyExample[] = [];
  for (let i = 0; i < count; i++) {
    const label = i % TOY_LABELS.length;
    const length = 3 + rng.int(5);
    const ids = [1];
    for (let j = 0; j < length; j++) ids.push(10 + 13 * label + rng.int(13));
    out.push({ ids, label });
  }
  return out;
}

/** Right-pads a batch to its longest example (pad id 0, mask 0). */
export function collateToy(examples: readonly ToyExample[]): TrainBatch {
  const b = examples.length;
  const t = Math.max(...examples.map((e) => e.ids.length));
  const ids = new Int32Array(b * t);
  const mask = new Int32Array(b * t);
  examples.forEach((e, i) => {
    ids.set(e.ids, i * t);
    mask.fill(1, i * t, i * t + e.ids.length);
  });
  return {
    inputIds: new IntTensor(ids, [b, t]),
    attentionMask: new IntTensor(mask, [b, t]),
    tokenTypeIds: new IntTensor(new Int32Array(b * t), [b, t]),
    labels: IntTensor.from(
      examples.map((e) => e.label),
      [b],
    ),
    size: b,
  };
}
