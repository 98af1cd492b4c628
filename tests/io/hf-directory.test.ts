import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, unlinkSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireShared } from '../helpers/shared.js';
import { UserError } from '../../src/errors.js';
import { loadSequenceClassifier, saveHfDirectory } from '../../src/io/hf-directory.js';
import { readSafetensors, writeSafetensors } from '../../src/io/safetensors.js';
import type { StateDict } from '../../src/io/state-dict.js';
import { BertConfig, bertTinyConfig, defaultLabels } from '../../src/models/bert/config.js';
import { BertForSequenceClassification } from '../../src/models/bert/sequence-classification.js';
import type { SequenceClassifier } from '../../src/models/family.js';
import { Linear } from '../../src/nn/index.js';
import { noGrad } from '../../src/tensor/autograd.js';
import { Rng } from '../../src/tensor/random.js';
import { IntTensor } from '../../src/tensor/tensor.js';

const LABELS = ['billing', 'fraud', 'other'];

function microConfig(labels: string[] = LABELS): BertConfig {
  return new BertConfig({
    ...bertTinyConfig(labels).fields(),
    vocabSize: 30,
    hiddenSize: 8,
    numHiddenLayers: 2,
    numAttentionHeads: 2,
    intermediateSize: 16,
    maxPositionEmbeddings: 16,
  });
}

function logits(model: SequenceClassifier): Float32Array {
  model.eval();
  const ids = IntTensor.from([2, 5, 9, 11, 3, 2, 14, 3, 0, 0], [2, 5]);
  const mask = IntTensor.from([1, 1, 1, 1, 1, 1, 1, 1, 0, 0], [2, 5]);
  return noGrad(() => model.forward(ids, mask)).data;
}

/** A temporary directory for one test, removed afterwards. */
function withDir(t: import('node:test').TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'lora-lab-hf-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Saves a fresh micro model into `dir`; returns it. */
async function savedMicro(dir: string, seed = 1): Promise<BertForSequenceClassification> {
  const model = new BertForSequenceClassification(microConfig(), new Rng(seed));
  await saveHfDirectory(model, dir, { labels: LABELS });
  return model;
}

/** Rewrites the directory's model.safetensors through `edit`. */
function editWeights(dir: string, edit: (state: StateDict) => StateDict): void {
  const path = join(dir, 'model.safetensors');
  const { tensors } = readSafetensors(path);
  writeSafetensors(path, edit(tensors), { format: 'pt' });
}

function userError(pattern: RegExp): (e: unknown) => boolean {
  return (e: unknown) => e instanceof UserError && pattern.test(e.message);
}

test('saveHfDirectory writes an HF directory: config.json with labels, F32 safetensors with HF names', async (t) => {
  const dir = withDir(t);
  const model = await savedMicro(dir);
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
  assert.deepEqual(config.architectures, ['BertForSequenceClassification']);
  assert.equal(config.model_type, 'bert');
  assert.deepEqual(config.id2label, { '0': 'billing', '1': 'fraud', '2': 'other' });
  assert.deepEqual(config.label2id, { billing: 0, fraud: 1, other: 2 });
  const { tensors, metadata } = readSafetensors(join(dir, 'model.safetensors'));
  assert.deepEqual(metadata, { format: 'pt' });
  assert.deepEqual([...tensors.keys()].sort(), [...model.stateDict().keys()].sort());
  for (const [, entry] of tensors) assert.ok(entry.dtype === undefined || entry.dtype === 'F32');
  assert.deepEqual(
    readdirSync(dir).filter((f) => f.endsWith('.tmp')),
    [],
    'no temporary files left behind',
  );
});

test('save → load round trip: same weights, same logits, labels from the checkpoint', async (t) => {
  const dir = withDir(t);
  const model = await savedMicro(dir);
  const loaded = await loadSequenceClassifier(dir, { rng: new Rng(99) });
  assert.deepEqual(loaded.config.labels, LABELS);
  assert.deepEqual(
    [loaded.missing, loaded.unexpected, loaded.initialized, loaded.mismatched],
    [[], [], [], []],
  );
  assert.deepEqual(logits(loaded.model), logits(model));
  // Asking for as many labels by count keeps the checkpoint's names.
  const byCount = await loadSequenceClassifier(dir, { numLabels: 3, rng: new Rng(0) });
  assert.deepEqual(byCount.config.labels, LABELS);
});

test("the tokenizer's files are written into the directory when given", async (t) => {
  const dir = withDir(t);
  const model = new BertForSequenceClassification(microConfig(), new Rng(1));
  const tokenizer = {
    vocabText: () => '[PAD]\n',
    tokenizerJson: { model: { type: 'WordPiece', vocab: { '[PAD]': 0 } } },
    tokenizerConfig: { do_lower_case: true },
  };
  await saveHfDirectory(model, dir, { labels: LABELS, tokenizer });
  assert.equal(readFileSync(join(dir, 'vocab.txt'), 'utf8'), '[PAD]\n');
  assert.deepEqual(JSON.parse(readFileSync(join(dir, 'tokenizer.json'), 'utf8')), tokenizer.tokenizerJson);
  assert.deepEqual(
    JSON.parse(readFileSync(join(dir, 'tokenizer_config.json'), 'utf8')),
    tokenizer.tokenizerConfig,
  );
});

test('saving refuses a wrong label count and a model with LoRA layers in it', async (t) => {
  const dir = withDir(t);
  const model = new BertForSequenceClassification(microConfig(), new Rng(1));
  await assert.rejects(
    saveHfDirectory(model, dir, { labels: ['a'] }),
    userError(/3 labels, but 1 label names/),
  );
  // Stand-in for an injected LoRA wrapper: its parameters carry PEFT-style names.
  const attention = model.getSubmodule('bert.encoder.layer.0.attention.self')!;
  class FakeLora extends Linear {}
  const wrapper = new FakeLora(8, 8);
  (wrapper as unknown as { registerModule(n: string, m: Linear): Linear }).registerModule(
    'lora_A',
    new Linear(8, 2),
  );
  attention.replaceChild('query', wrapper);
  await assert.rejects(saveHfDirectory(model, dir, { labels: LABELS }), userError(/still holds LoRA layers/));
});

test('a bare BertModel checkpoint (no bert. prefix) with old gamma/beta names and an int buffer loads', async (t) => {
  const dir = withDir(t);
  const model = await savedMicro(dir);
  editWeights(dir, (state) => {
    const out: StateDict = new Map();
    for (const [key, entry] of state) {
      if (key.startsWith('classifier.')) continue;
      const name = key
        .replace(/^bert\./, '')
        .replace(/LayerNorm\.weight$/, 'LayerNorm.gamma')
        .replace(/LayerNorm\.bias$/, 'LayerNorm.beta');
      out.set(name, entry);
    }
    out.set('embeddings.position_ids', {
      shape: [1, 16],
      data: Float32Array.from({ length: 16 }, (_, i) => i),
      dtype: 'I64',
    });
    return out;
  });
  const loaded = await loadSequenceClassifier(dir, { rng: new Rng(5) });
  assert.deepEqual(loaded.missing, ['classifier.weight', 'classifier.bias']);
  assert.deepEqual(loaded.initialized, ['classifier.weight', 'classifier.bias']);
  assert.deepEqual(loaded.unexpected, []);
  const own = model.stateDict();
  for (const [name, p] of loaded.model.stateDict()) {
    if (!name.startsWith('classifier.')) assert.deepEqual(p.data, own.get(name)!.data, name);
  }
  // The fresh head is HF's: zero bias, N(0, 0.02) weight, drawn from the rng passed in.
  assert.ok(param(loaded.model, 'classifier.bias').data.every((v) => v === 0));
  assert.ok(param(loaded.model, 'classifier.weight').data.some((v) => v !== 0));
  const again = await loadSequenceClassifier(dir, { rng: new Rng(5) });
  assert.deepEqual(
    param(again.model, 'classifier.weight').data,
    param(loaded.model, 'classifier.weight').data,
  );
});

test('pre-training heads are reported as unexpected; a missing pooler is initialised', async (t) => {
  const dir = withDir(t);
  await savedMicro(dir);
  editWeights(dir, (state) => {
    const out: StateDict = new Map([...state].filter(([k]) => !k.startsWith('bert.pooler.')));
    out.set('cls.predictions.bias', { shape: [30], data: new Float32Array(30) });
    return out;
  });
  const loaded = await loadSequenceClassifier(dir, { rng: new Rng(5) });
  assert.deepEqual(loaded.unexpected, ['cls.predictions.bias']);
  assert.deepEqual(loaded.initialized, ['bert.pooler.dense.weight', 'bert.pooler.dense.bias']);
});

test('loading refuses what does not fit, naming the file or tensor', async (t) => {
  const dir = withDir(t);
  await savedMicro(dir);
  // More labels than the trained head has.
  await assert.rejects(
    loadSequenceClassifier(dir, { numLabels: 5, rng: new Rng(0) }),
    userError(
      /classifier\.weight has shape \[3, 8\], but the model built from config\.json expects \[5, 8\]/,
    ),
  );
  // The trained head's labels in another order would mislabel every prediction.
  await assert.rejects(
    loadSequenceClassifier(dir, { labels: ['fraud', 'billing', 'other'], rng: new Rng(0) }),
    userError(/was trained for the labels billing, fraud, other/),
  );
  // Unless the head is to be replaced anyway (HF's ignore_mismatched_sizes, for the head only).
  const replaced = await loadSequenceClassifier(dir, {
    numLabels: 5,
    ignoreMismatchedSizes: true,
    rng: new Rng(0),
  });
  assert.deepEqual(replaced.mismatched, ['classifier.weight', 'classifier.bias']);
  assert.deepEqual(replaced.initialized, ['classifier.weight', 'classifier.bias']);
  assert.deepEqual(replaced.missing, []);
  assert.deepEqual(param(replaced.model, 'classifier.weight').shape, [5, 8]);
  // A tensor of the wrong shape.
  editWeights(dir, (state) => {
    state.set('bert.encoder.layer.1.intermediate.dense.weight', {
      shape: [16, 4],
      data: new Float32Array(64),
    });
    return state;
  });
  await assert.rejects(
    loadSequenceClassifier(dir, { rng: new Rng(0) }),
    userError(/bert\.encoder\.layer\.1\.intermediate\.dense\.weight has shape \[16, 4\]/),
  );
  // An encoder weight missing.
  editWeights(dir, (state) => {
    state.delete('bert.encoder.layer.1.intermediate.dense.weight');
    return state;
  });
  await assert.rejects(
    loadSequenceClassifier(dir, { rng: new Rng(0) }),
    userError(
      /lacks 1 weight of the model described by config\.json, such as bert\.encoder\.layer\.1\.intermediate\.dense\.weight/,
    ),
  );
});

test('missing or malformed config.json and missing weights are user errors', async (t) => {
  const dir = withDir(t);
  await assert.rejects(
    loadSequenceClassifier(join(dir, 'nope'), { rng: new Rng(0) }),
    userError(/does not exist/),
  );
  await assert.rejects(loadSequenceClassifier(dir, { rng: new Rng(0) }), userError(/has no config\.json/));
  writeFileSync(join(dir, 'config.json'), '{"hidden_size": 8,');
  await assert.rejects(
    loadSequenceClassifier(dir, { rng: new Rng(0) }),
    userError(/config\.json is not valid JSON/),
  );
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({ ...microConfig().toJSON(), hidden_size: 130, num_attention_heads: 4 }),
  );
  await assert.rejects(
    loadSequenceClassifier(dir, { rng: new Rng(0) }),
    userError(/hidden_size 130 is not divisible by num_attention_heads 4\./),
  );
  writeFileSync(join(dir, 'config.json'), JSON.stringify(microConfig().toJSON()));
  await assert.rejects(
    loadSequenceClassifier(dir, { rng: new Rng(0) }),
    userError(/has neither model\.safetensors nor pytorch_model\.bin/),
  );
});

test('a sharded safetensors checkpoint loads through its index', async (t) => {
  const dir = withDir(t);
  const model = await savedMicro(dir);
  const { tensors } = readSafetensors(join(dir, 'model.safetensors'));
  const first: StateDict = new Map();
  const second: StateDict = new Map();
  const weightMap: Record<string, string> = {};
  for (const [k, v] of tensors) {
    const shard = k.startsWith('bert.encoder.')
      ? 'model-00002-of-00002.safetensors'
      : 'model-00001-of-00002.safetensors';
    (shard.includes('00001') ? first : second).set(k, v);
    weightMap[k] = shard;
  }
  unlinkSync(join(dir, 'model.safetensors'));
  writeSafetensors(join(dir, 'model-00001-of-00002.safetensors'), first);
  writeSafetensors(join(dir, 'model-00002-of-00002.safetensors'), second);
  writeFileSync(
    join(dir, 'model.safetensors.index.json'),
    JSON.stringify({ metadata: {}, weight_map: weightMap }),
  );
  const loaded = await loadSequenceClassifier(dir, { rng: new Rng(0) });
  assert.deepEqual(logits(loaded.model), logits(model));
});

test('bert-tiny-mlm (BertForPreTraining) loads with a new 9-label head, labels as asked', async (t) => {
  const dir = requireShared(t, 'models', 'bert-tiny-mlm');
  if (!dir) return;
  const labels = [
    'Debt collection',
    'Credit reporting',
    'Mortgage',
    'Credit card or prepaid card',
    'a',
    'b',
    'c',
    'd',
    'e',
  ];
  const loaded = await loadSequenceClassifier(dir, { labels, rng: new Rng(3) });
  assert.deepEqual(loaded.config.labels, labels);
  assert.deepEqual(loaded.initialized, ['classifier.weight', 'classifier.bias']);
  assert.deepEqual([...loaded.unexpected].sort(), [
    'cls.predictions.bias',
    'cls.predictions.transform.LayerNorm.bias',
    'cls.predictions.transform.LayerNorm.weight',
    'cls.predictions.transform.dense.bias',
    'cls.predictions.transform.dense.weight',
    'cls.seq_relationship.bias',
    'cls.seq_relationship.weight',
  ]);
  // Without labels: HF's default of two LABEL_n for a config that names none.
  const plain = await loadSequenceClassifier(dir, { rng: new Rng(3) });
  assert.deepEqual(plain.config.labels, defaultLabels(2));
});

/** A parameter by its HF name (the head is reached through the module tree, where LoRA may wrap it). */
function param(model: SequenceClassifier, name: string) {
  const p = model.stateDict().get(name);
  assert.ok(p, `the model has no parameter ${name}`);
  return p;
}
