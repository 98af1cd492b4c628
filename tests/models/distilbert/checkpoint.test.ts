import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSequenceClassifier, saveHfDirectory } from '../../../src/io/hf-directory.js';
import { readSafetensors, writeSafetensors } from '../../../src/io/safetensors.js';
import type { StateDict } from '../../../src/io/state-dict.js';
import { DistilBertConfig } from '../../../src/models/distilbert/config.js';
import { DistilBertForSequenceClassification } from '../../../src/models/distilbert/sequence-classification.js';
import type { SequenceClassifier } from '../../../src/models/family.js';
import { noGrad } from '../../../src/tensor/autograd.js';
import { Rng } from '../../../src/tensor/random.js';
import { IntTensor } from '../../../src/tensor/tensor.js';

const LABELS = ['billing', 'fraud', 'other'];

function microModel(seed = 1): DistilBertForSequenceClassification {
  const config = new DistilBertConfig({
    ...DistilBertConfig.fromJSON({}).fields(),
    vocabSize: 30,
    dim: 8,
    nLayers: 2,
    nHeads: 2,
    hiddenDim: 16,
    maxPositionEmbeddings: 16,
    labels: LABELS,
  });
  return new DistilBertForSequenceClassification(config, new Rng(seed));
}

function logits(model: SequenceClassifier): Float32Array {
  model.eval();
  const ids = IntTensor.from([2, 5, 9, 11, 3, 2, 14, 3, 0, 0], [2, 5]);
  const mask = IntTensor.from([1, 1, 1, 1, 1, 1, 1, 1, 0, 0], [2, 5]);
  return noGrad(() => model.forward(ids, mask)).data;
}

function withDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'lora-lab-distilbert-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function editWeights(dir: string, edit: (state: StateDict) => StateDict): void {
  const path = join(dir, 'model.safetensors');
  writeSafetensors(path, edit(readSafetensors(path).tensors), { format: 'pt' });
}

test('save → load round trip: a DistilBertForSequenceClassification directory, identical logits', async (t) => {
  const dir = withDir(t);
  const model = microModel();
  await saveHfDirectory(model, dir, { labels: LABELS });
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
  assert.deepEqual(config.architectures, ['DistilBertForSequenceClassification']);
  assert.equal(config.model_type, 'distilbert');
  assert.deepEqual(
    [...readSafetensors(join(dir, 'model.safetensors')).tensors.keys()].sort(),
    [...model.stateDict().keys()].sort(),
  );
  const loaded = await loadSequenceClassifier(dir, { rng: new Rng(99) });
  assert.ok(loaded.model instanceof DistilBertForSequenceClassification);
  assert.deepEqual(loaded.config.labels, LABELS);
  assert.deepEqual(
    [loaded.missing, loaded.unexpected, loaded.initialized, loaded.mismatched],
    [[], [], [], []],
  );
  assert.deepEqual(logits(loaded.model), logits(model));
});

test('a bare DistilBertModel checkpoint with the masked-LM head loads: head initialised and reported, MLM head unexpected', async (t) => {
  const dir = withDir(t);
  const model = microModel();
  await saveHfDirectory(model, dir, { labels: LABELS });
  // What DistilBertForMaskedLM's base saves: no `distilbert.` prefix, an int buffer, the MLM head.
  editWeights(dir, (state) => {
    const out: StateDict = new Map();
    for (const [key, entry] of state) {
      if (key.startsWith('distilbert.')) out.set(key.slice('distilbert.'.length), entry);
    }
    out.set('embeddings.position_ids', {
      shape: [1, 16],
      data: Float32Array.from({ length: 16 }, (_, i) => i),
      dtype: 'I64',
    });
    out.set('vocab_transform.weight', { shape: [8, 8], data: new Float32Array(64) });
    out.set('vocab_transform.bias', { shape: [8], data: new Float32Array(8) });
    out.set('vocab_layer_norm.weight', { shape: [8], data: new Float32Array(8).fill(1) });
    out.set('vocab_layer_norm.bias', { shape: [8], data: new Float32Array(8) });
    out.set('vocab_projector.bias', { shape: [30], data: new Float32Array(30) });
    return out;
  });
  const loaded = await loadSequenceClassifier(dir, { rng: new Rng(5) });
  const head = ['pre_classifier.weight', 'pre_classifier.bias', 'classifier.weight', 'classifier.bias'];
  assert.deepEqual(loaded.missing, head);
  assert.deepEqual(loaded.initialized, head);
  assert.deepEqual(loaded.unexpected.sort(), [
    'vocab_layer_norm.bias',
    'vocab_layer_norm.weight',
    'vocab_projector.bias',
    'vocab_transform.bias',
    'vocab_transform.weight',
  ]);
  const own = model.stateDict();
  const got = loaded.model.stateDict();
  for (const [name, p] of got) {
    if (name.startsWith('distilbert.')) assert.deepEqual(p.data, own.get(name)!.data, name);
  }
  // A fresh head, transformers' way: zero biases, N(0, 0.02) weights drawn from the rng passed in.
  assert.ok(got.get('classifier.bias')!.data.every((v) => v === 0));
  assert.ok(got.get('pre_classifier.bias')!.data.every((v) => v === 0));
  assert.ok(got.get('pre_classifier.weight')!.data.some((v) => v !== 0));
  assert.notDeepEqual(got.get('classifier.weight')!.data, own.get('classifier.weight')!.data);
  const again = await loadSequenceClassifier(dir, { rng: new Rng(5) });
  assert.deepEqual(logits(again.model), logits(loaded.model));
});

test('a base checkpoint missing an encoder weight is refused in one sentence', async (t) => {
  const dir = withDir(t);
  await saveHfDirectory(microModel(), dir, { labels: LABELS });
  editWeights(dir, (state) => {
    state.delete('distilbert.transformer.layer.1.ffn.lin2.weight');
    return state;
  });
  await assert.rejects(
    loadSequenceClassifier(dir, { rng: new Rng(0) }),
    /lacks 1 weight of the model described by config\.json, such as distilbert\.transformer\.layer\.1\.ffn\.lin2\.weight\./,
  );
});
