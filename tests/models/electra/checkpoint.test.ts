import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSequenceClassifier, saveHfDirectory } from '../../../src/io/hf-directory.js';
import { readSafetensors, writeSafetensors } from '../../../src/io/safetensors.js';
import type { StateDict } from '../../../src/io/state-dict.js';
import { ElectraConfig } from '../../../src/models/electra/config.js';
import { ElectraForSequenceClassification } from '../../../src/models/electra/sequence-classification.js';
import type { SequenceClassifier } from '../../../src/models/family.js';
import { noGrad } from '../../../src/tensor/autograd.js';
import { Rng } from '../../../src/tensor/random.js';
import { IntTensor } from '../../../src/tensor/tensor.js';

const LABELS = ['billing', 'fraud', 'other'];

function microModel(seed = 1): ElectraForSequenceClassification {
  const config = new ElectraConfig({
    ...ElectraConfig.fromJSON({}).fields(),
    vocabSize: 30,
    embeddingSize: 4,
    hiddenSize: 8,
    numHiddenLayers: 2,
    numAttentionHeads: 2,
    intermediateSize: 16,
    maxPositionEmbeddings: 16,
    labels: LABELS,
  });
  return new ElectraForSequenceClassification(config, new Rng(seed));
}

function logits(model: SequenceClassifier): Float32Array {
  model.eval();
  const ids = IntTensor.from([2, 5, 9, 11, 3, 2, 14, 3, 0, 0], [2, 5]);
  const mask = IntTensor.from([1, 1, 1, 1, 1, 1, 1, 1, 0, 0], [2, 5]);
  const types = IntTensor.from([0, 0, 1, 1, 1, 0, 0, 0, 0, 0], [2, 5]);
  return noGrad(() => model.forward(ids, mask, types)).data;
}

function withDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'lora-lab-electra-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function editWeights(dir: string, edit: (state: StateDict) => StateDict): void {
  const path = join(dir, 'model.safetensors');
  writeSafetensors(path, edit(readSafetensors(path).tensors), { format: 'pt' });
}

test('save → load round trip: an ElectraForSequenceClassification directory, identical logits', async (t) => {
  const dir = withDir(t);
  const model = microModel();
  await saveHfDirectory(model, dir, { labels: LABELS });
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
  assert.deepEqual(config.architectures, ['ElectraForSequenceClassification']);
  assert.equal(config.model_type, 'electra');
  assert.equal(config.embedding_size, 4);
  assert.deepEqual(
    [...readSafetensors(join(dir, 'model.safetensors')).tensors.keys()].sort(),
    [...model.stateDict().keys()].sort(),
  );
  const loaded = await loadSequenceClassifier(dir, { rng: new Rng(99) });
  assert.ok(loaded.model instanceof ElectraForSequenceClassification);
  assert.deepEqual(loaded.config.labels, LABELS);
  assert.deepEqual(
    [loaded.missing, loaded.unexpected, loaded.initialized, loaded.mismatched],
    [[], [], [], []],
  );
  assert.deepEqual(logits(loaded.model), logits(model));
});

test('a bare ElectraModel checkpoint loads under electra., the head initialised and reported', async (t) => {
  const dir = withDir(t);
  const model = microModel();
  await saveHfDirectory(model, dir, { labels: LABELS });
  editWeights(dir, (state) => {
    const out: StateDict = new Map();
    for (const [key, entry] of state) {
      if (key.startsWith('electra.')) out.set(key.slice('electra.'.length), entry);
    }
    for (const buffer of ['embeddings.position_ids', 'embeddings.token_type_ids']) {
      out.set(buffer, { shape: [1, 16], data: new Float32Array(16), dtype: 'I64' });
    }
    return out;
  });
  const loaded = await loadSequenceClassifier(dir, { rng: new Rng(5) });
  const head = [
    'classifier.dense.weight',
    'classifier.dense.bias',
    'classifier.out_proj.weight',
    'classifier.out_proj.bias',
  ];
  assert.deepEqual(loaded.missing, head);
  assert.deepEqual(loaded.initialized, head);
  assert.deepEqual(loaded.unexpected, []);
  const own = model.stateDict();
  const got = loaded.model.stateDict();
  for (const [name, p] of got) {
    if (name.startsWith('electra.')) assert.deepEqual(p.data, own.get(name)!.data, name);
  }
  assert.ok(got.get('classifier.out_proj.bias')!.data.every((v) => v === 0));
  assert.ok(got.get('classifier.dense.weight')!.data.some((v) => v !== 0));
  assert.notDeepEqual(
    got.get('classifier.out_proj.weight')!.data,
    own.get('classifier.out_proj.weight')!.data,
  );
});

test('a discriminator (ElectraForPreTraining) checkpoint loads; its discriminator and generator heads are unexpected', async (t) => {
  const dir = withDir(t);
  const model = microModel();
  await saveHfDirectory(model, dir, { labels: LABELS });
  editWeights(dir, (state) => {
    const out: StateDict = new Map([...state].filter(([key]) => !key.startsWith('classifier.')));
    out.set('discriminator_predictions.dense.weight', { shape: [8, 8], data: new Float32Array(64) });
    out.set('discriminator_predictions.dense.bias', { shape: [8], data: new Float32Array(8) });
    out.set('discriminator_predictions.dense_prediction.weight', {
      shape: [1, 8],
      data: new Float32Array(8),
    });
    out.set('discriminator_predictions.dense_prediction.bias', { shape: [1], data: new Float32Array(1) });
    out.set('generator_lm_head.bias', { shape: [30], data: new Float32Array(30) });
    return out;
  });
  const loaded = await loadSequenceClassifier(dir, { rng: new Rng(5) });
  assert.deepEqual(loaded.unexpected.sort(), [
    'discriminator_predictions.dense.bias',
    'discriminator_predictions.dense.weight',
    'discriminator_predictions.dense_prediction.bias',
    'discriminator_predictions.dense_prediction.weight',
    'generator_lm_head.bias',
  ]);
  assert.deepEqual(loaded.initialized, [
    'classifier.dense.weight',
    'classifier.dense.bias',
    'classifier.out_proj.weight',
    'classifier.out_proj.bias',
  ]);
});

test('a checkpoint without embeddings_project where config.json asks for one is refused in one sentence', async (t) => {
  const dir = withDir(t);
  await saveHfDirectory(microModel(), dir, { labels: LABELS });
  editWeights(dir, (state) => {
    state.delete('electra.embeddings_project.weight');
    state.delete('electra.embeddings_project.bias');
    return state;
  });
  await assert.rejects(
    loadSequenceClassifier(dir, { rng: new Rng(0) }),
    /lacks 2 weights of the model described by config\.json, such as electra\.embeddings_project\.weight\./,
  );
});
