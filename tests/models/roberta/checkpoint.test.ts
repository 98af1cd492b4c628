import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSequenceClassifier, saveHfDirectory } from '../../../src/io/hf-directory.js';
import { readSafetensors, writeSafetensors } from '../../../src/io/safetensors.js';
import type { StateDict } from '../../../src/io/state-dict.js';
import type { SequenceClassifier } from '../../../src/models/family.js';
import {
  RobertaConfig,
  robertaBaseConfig,
  type RobertaModelType,
} from '../../../src/models/roberta/config.js';
import { RobertaForSequenceClassification } from '../../../src/models/roberta/sequence-classification.js';
import { noGrad } from '../../../src/tensor/autograd.js';
import { Rng } from '../../../src/tensor/random.js';
import { IntTensor } from '../../../src/tensor/tensor.js';

const LABELS = ['billing', 'fraud', 'other'];
const HIDDEN = 8;
const VOCAB = 30;

function microConfig(modelType: RobertaModelType = 'roberta'): RobertaConfig {
  return new RobertaConfig({
    ...robertaBaseConfig(LABELS).fields(),
    modelType,
    vocabSize: VOCAB,
    hiddenSize: HIDDEN,
    numHiddenLayers: 2,
    numAttentionHeads: 2,
    intermediateSize: 16,
    maxPositionEmbeddings: 12,
  });
}

/** A right-padded batch of two rows, so the positions of the padded row are exercised. */
function logits(model: SequenceClassifier): Float32Array {
  model.eval();
  const ids = IntTensor.from([0, 5, 9, 11, 2, 0, 14, 2, 1, 1], [2, 5]);
  const mask = IntTensor.from([1, 1, 1, 1, 1, 1, 1, 1, 0, 0], [2, 5]);
  return noGrad(() => model.forward(ids, mask)).data;
}

function withDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'lora-lab-roberta-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function editWeights(dir: string, edit: (state: StateDict) => StateDict): void {
  const path = join(dir, 'model.safetensors');
  writeSafetensors(path, edit(readSafetensors(path).tensors), { format: 'pt' });
}

function filled(shape: number[], value: number): { shape: number[]; data: Float32Array } {
  return { shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(value) };
}

test('saveHfDirectory → loadSequenceClassifier gives the same logits, for both model types', async (t) => {
  for (const modelType of ['roberta', 'xlm-roberta'] as const) {
    const dir = withDir(t);
    const model = new RobertaForSequenceClassification(microConfig(modelType), new Rng(1));
    await saveHfDirectory(model, dir, { labels: LABELS });
    const json = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(json.model_type, modelType);
    const loaded = await loadSequenceClassifier(dir, { rng: new Rng(2) });
    assert.ok(loaded.model instanceof RobertaForSequenceClassification);
    assert.equal(loaded.config.modelType, modelType);
    assert.deepEqual(loaded.config.labels, LABELS);
    assert.deepEqual([loaded.missing, loaded.unexpected, loaded.initialized], [[], [], []]);
    assert.deepEqual(logits(loaded.model), logits(model));
  }
});

test('a bare RobertaModel checkpoint with pooler and lm_head loads: head initialised, pooler and lm_head unexpected', async (t) => {
  const dir = withDir(t);
  const model = new RobertaForSequenceClassification(microConfig(), new Rng(3));
  await saveHfDirectory(model, dir, { labels: LABELS });
  editWeights(dir, (state) => {
    const out: StateDict = new Map();
    for (const [key, entry] of state) {
      if (!key.startsWith('classifier.')) out.set(key.replace(/^roberta\./, ''), entry);
    }
    out.set('pooler.dense.weight', filled([HIDDEN, HIDDEN], 0.5));
    out.set('pooler.dense.bias', filled([HIDDEN], 0.5));
    out.set('lm_head.dense.weight', filled([HIDDEN, HIDDEN], 0.5));
    out.set('lm_head.layer_norm.weight', filled([HIDDEN], 1));
    out.set('lm_head.bias', filled([VOCAB], 0));
    out.set('embeddings.position_ids', {
      shape: [1, 12],
      data: Float32Array.from({ length: 12 }, (_, i) => i),
      dtype: 'I64',
    });
    return out;
  });
  const loaded = await loadSequenceClassifier(dir, { rng: new Rng(4) });
  const head = [
    'classifier.dense.weight',
    'classifier.dense.bias',
    'classifier.out_proj.weight',
    'classifier.out_proj.bias',
  ];
  assert.deepEqual(loaded.missing, head);
  assert.deepEqual(loaded.initialized, head);
  assert.deepEqual([...loaded.unexpected].sort(), [
    'lm_head.bias',
    'lm_head.dense.weight',
    'lm_head.layer_norm.weight',
    'pooler.dense.bias',
    'pooler.dense.weight',
  ]);
  const own = model.stateDict();
  const params = loaded.model.stateDict();
  for (const [name, p] of params) {
    if (!name.startsWith('classifier.')) assert.deepEqual(p.data, own.get(name)!.data, name);
  }
  // The fresh head is HF's: zero biases, N(0, 0.02) weights from the rng passed in.
  assert.ok(params.get('classifier.out_proj.bias')!.data.every((v) => v === 0));
  assert.ok(params.get('classifier.dense.weight')!.data.some((v) => v !== 0));
  assert.equal(logits(loaded.model).length, 2 * LABELS.length);
});

test("an MLM checkpoint's roberta.pooler and lm_head are reported under their names in the file", async (t) => {
  const dir = withDir(t);
  await saveHfDirectory(new RobertaForSequenceClassification(microConfig(), new Rng(5)), dir, {
    labels: LABELS,
  });
  editWeights(dir, (state) => {
    const out: StateDict = new Map([...state].filter(([k]) => !k.startsWith('classifier.')));
    out.set('roberta.pooler.dense.weight', filled([HIDDEN, HIDDEN], 0.5));
    out.set('lm_head.decoder.weight', filled([VOCAB, HIDDEN], 0.5));
    return out;
  });
  const loaded = await loadSequenceClassifier(dir, { rng: new Rng(6), labels: ['a', 'b'] });
  assert.deepEqual([...loaded.unexpected].sort(), ['lm_head.decoder.weight', 'roberta.pooler.dense.weight']);
  assert.equal(loaded.config.numLabels, 2);
  assert.deepEqual(loaded.model.stateDict().get('classifier.out_proj.weight')!.shape, [2, HIDDEN]);
});
