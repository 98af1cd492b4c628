import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSequenceClassifier, saveHfDirectory } from '../../../src/io/hf-directory.js';
import { writeSafetensors } from '../../../src/io/safetensors.js';
import type { StateDict } from '../../../src/io/state-dict.js';
import { createLoraConfig } from '../../../src/lora/config.js';
import { applyLora, loraLayers } from '../../../src/lora/inject.js';
import { mergeAndUnload } from '../../../src/lora/merge.js';
import { writeJsonAtomic } from '../../../src/io/atomic-write.js';
import { modernBertConfigFromJSON } from '../../../src/models/modernbert/config-json.js';
import { ModernBertForSequenceClassification } from '../../../src/models/modernbert/sequence-classification.js';
import type { SequenceClassifier } from '../../../src/models/family.js';
import { backward, noGrad } from '../../../src/tensor/autograd.js';
import { Rng } from '../../../src/tensor/random.js';
import { IntTensor } from '../../../src/tensor/tensor.js';
import { familyGolden, goldenBatch, goldenModel } from '../../parity/families/family-golden.js';
import { assertClose } from '../../helpers/gradcheck.js';
import { fixtureJson, transformers4Json } from './helpers.js';

const golden = familyGolden('modernbert');

function logitsOf(model: SequenceClassifier, ids?: IntTensor, mask?: IntTensor): Float32Array {
  model.eval();
  const batch = goldenBatch(golden);
  return noGrad(() => model.forward(ids ?? batch.ids, mask ?? batch.mask)).data;
}

function withDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'lora-lab-modernbert-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The golden model's weights under other names (a bare base model's, a masked LM's). */
function stateOf(model: SequenceClassifier, rename: (name: string) => string | null): StateDict {
  const state: StateDict = new Map();
  for (const [name, p] of model.namedParameters()) {
    const key = rename(name);
    if (key !== null) state.set(key, { shape: [...p.shape], data: Float32Array.from(p.data) });
  }
  return state;
}

test("parameter names are transformers', biases only where the config asks for them", () => {
  const names = (overrides: Record<string, unknown>): string[] =>
    [
      ...new ModernBertForSequenceClassification(
        modernBertConfigFromJSON({ ...fixtureJson(), num_hidden_layers: 2, layer_types: null, ...overrides }),
        new Rng(0),
      ).namedParameters(),
    ].map(([n]) => n);
  assert.deepEqual(names({}), [
    'model.embeddings.tok_embeddings.weight',
    'model.embeddings.norm.weight',
    'model.layers.0.attn.Wqkv.weight',
    'model.layers.0.attn.Wo.weight',
    'model.layers.0.mlp_norm.weight',
    'model.layers.0.mlp.Wi.weight',
    'model.layers.0.mlp.Wo.weight',
    'model.layers.1.attn_norm.weight',
    'model.layers.1.attn.Wqkv.weight',
    'model.layers.1.attn.Wo.weight',
    'model.layers.1.mlp_norm.weight',
    'model.layers.1.mlp.Wi.weight',
    'model.layers.1.mlp.Wo.weight',
    'model.final_norm.weight',
    'head.dense.weight',
    'head.norm.weight',
    'classifier.weight',
    'classifier.bias',
  ]);
  const all = names({ norm_bias: true, attention_bias: true, mlp_bias: true, classifier_bias: true });
  for (const name of [
    'model.embeddings.norm.bias',
    'model.layers.0.attn.Wqkv.bias',
    'model.layers.0.attn.Wo.bias',
    'model.layers.1.attn_norm.bias',
    'model.layers.0.mlp.Wi.bias',
    'model.layers.0.mlp.Wo.bias',
    'model.final_norm.bias',
    'head.dense.bias',
    'head.norm.bias',
  ]) {
    assert.ok(all.includes(name), `${name} with every bias switched on`);
  }
  assert.ok(!all.some((n) => n.startsWith('model.layers.0.attn_norm')), 'layer 0 has no attn_norm');
});

test("transformers 4's config spelling builds the same model: identical logits, and transformers'", () => {
  const five = logitsOf(goldenModel(golden));
  const four = logitsOf(goldenModel({ ...golden, config: transformers4Json() }));
  assert.deepEqual(Array.from(four), Array.from(five));
  assertClose(five, golden.logits.flat(), 1e-4, 'logits');
});

test('token type ids change nothing; padding a row changes nothing (mean and cls pooling)', () => {
  for (const folder of ['modernbert', 'modernbert-cls']) {
    const model = goldenModel(familyGolden(folder)).eval();
    const { ids, mask } = goldenBatch(golden);
    const types = new IntTensor(new Int32Array(ids.size).fill(1), ids.shape);
    const withTypes = noGrad(() => model.forward(ids, mask, types)).data;
    assert.deepEqual(Array.from(withTypes), Array.from(logitsOf(model)));
    // Row 0 has 13 real tokens of 35: alone and unpadded it gives the same logits.
    const alone = logitsOf(
      model,
      new IntTensor(ids.data.slice(0, 13), [1, 13]),
      new IntTensor(new Int32Array(13).fill(1), [1, 13]),
    );
    assertClose(alone, logitsOf(model).subarray(0, 5), 1e-6, `${folder}: row 0 alone`);
  }
});

test('saveHfDirectory → loadSequenceClassifier gives identical logits and nothing missing', async (t) => {
  const dir = withDir(t);
  for (const folder of ['modernbert', 'modernbert-cls']) {
    const model = goldenModel(familyGolden(folder));
    const labels = ['billing', 'fraud', 'loan', 'card', 'other'];
    await saveHfDirectory(model, join(dir, folder), { labels });
    const loaded = await loadSequenceClassifier(join(dir, folder), { rng: new Rng(9) });
    assert.deepEqual(loaded.missing, []);
    assert.deepEqual(loaded.unexpected, []);
    assert.deepEqual(loaded.config.labels, labels);
    assert.deepEqual(Array.from(logitsOf(loaded.model)), Array.from(logitsOf(model)), folder);
  }
});

test('a bare ModernBertModel checkpoint loads into the classifier; the head is initialised', async (t) => {
  const dir = withDir(t);
  const model = goldenModel(golden);
  writeSafetensors(
    join(dir, 'model.safetensors'),
    stateOf(model, (n) => (n.startsWith('model.') ? n.slice('model.'.length) : null)),
    { format: 'pt' },
  );
  writeJsonAtomic(join(dir, 'config.json'), { ...fixtureJson(), architectures: ['ModernBertModel'] });
  const loaded = await loadSequenceClassifier(dir, { rng: new Rng(4) });
  assert.deepEqual(loaded.initialized.sort(), [
    'classifier.bias',
    'classifier.weight',
    'head.dense.weight',
    'head.norm.weight',
  ]);
  assert.deepEqual(loaded.unexpected, []);
  const own = loaded.model.stateDict();
  for (const [name, p] of model.namedParameters()) {
    if (name.startsWith('model.')) assert.deepEqual(own.get(name)!.data, p.data, name);
  }
  assert.deepEqual(Array.from(own.get('head.norm.weight')!.data), new Array(32).fill(1));
  assert.deepEqual(Array.from(own.get('classifier.bias')!.data), new Array(5).fill(0));
});

test("a masked-LM checkpoint's head loads into the classifier's head; its decoder is unexpected", async (t) => {
  const dir = withDir(t);
  const model = goldenModel(golden);
  const state = stateOf(model, (n) => (n.startsWith('classifier.') ? null : n));
  state.set('decoder.weight', { shape: [1200, 32], data: new Float32Array(1200 * 32) });
  state.set('decoder.bias', { shape: [1200], data: new Float32Array(1200) });
  writeSafetensors(join(dir, 'model.safetensors'), state, { format: 'pt' });
  writeJsonAtomic(join(dir, 'config.json'), {
    ...fixtureJson(),
    architectures: ['ModernBertForMaskedLM'],
    id2label: undefined,
    label2id: undefined,
  });
  const loaded = await loadSequenceClassifier(dir, { rng: new Rng(4), numLabels: 3 });
  assert.deepEqual(loaded.initialized.sort(), ['classifier.bias', 'classifier.weight']);
  assert.deepEqual(loaded.unexpected.sort(), ['decoder.bias', 'decoder.weight']);
  const own = loaded.model.stateDict();
  assert.deepEqual(own.get('head.dense.weight')!.data, model.stateDict().get('head.dense.weight')!.data);
  assert.equal(loaded.config.numLabels, 3);
});

test('LoRA on all-linear wraps the fused Wqkv, Wo, Wi and the head dense, not the classifier; it trains and merges', () => {
  const model = goldenModel(golden);
  applyLora(
    model,
    createLoraConfig({
      task_type: 'SEQ_CLS',
      r: 2,
      lora_alpha: 4,
      target_modules: 'all-linear',
      init_lora_weights: false,
    }),
    new Rng(3),
  );
  const wrapped = loraLayers(model).map(([path]) => path);
  assert.deepEqual(
    wrapped.filter((p) => p.startsWith('model.layers.1.')),
    ['model.layers.1.attn.Wqkv', 'model.layers.1.attn.Wo', 'model.layers.1.mlp.Wi', 'model.layers.1.mlp.Wo'],
  );
  assert.ok(wrapped.includes('head.dense'));
  assert.ok(!wrapped.includes('classifier'));
  assert.equal(wrapped.length, 3 * 4 + 1);
  model.train();
  const { ids, mask, labels } = goldenBatch(golden);
  backward(model.loss(model.forward(ids, mask), labels));
  const trained = [...model.namedParameters()].filter(([, p]) => p.requiresGrad);
  assert.ok(trained.every(([n]) => /lora_[AB]|^classifier\./.test(n)));
  assert.ok(trained.every(([, p]) => p.grad !== null && p.grad.some((g) => g !== 0)));
  const unmerged = logitsOf(model);
  const merged = logitsOf(mergeAndUnload(model));
  assertClose(merged, unmerged, 1e-5, 'merged logits');
});

test('initWeights follows transformers: truncated normals by role, norms 1, biases 0', () => {
  const config = modernBertConfigFromJSON({
    ...fixtureJson(),
    hidden_size: 64,
    intermediate_size: 96,
    vocab_size: 3000,
    norm_bias: true,
    initializer_range: 0.1,
  });
  const model = new ModernBertForSequenceClassification(config, new Rng(1));
  const stats = (name: string): { std: number; max: number } => {
    const d = model.stateDict().get(name)!.data;
    let s = 0;
    let max = 0;
    for (const v of d) {
      s += v * v;
      max = Math.max(max, Math.abs(v));
    }
    return { std: Math.sqrt(s / d.length), max };
  };
  // A normal truncated at ±2σ has a standard deviation of 0.88σ.
  const check = (name: string, sigma: number): void => {
    const { std, max } = stats(name);
    assert.ok(Math.abs(std / sigma - 0.88) < 0.05, `${name}: std ${std} for σ ${sigma}`);
    assert.ok(max <= 2 * sigma + 1e-7, `${name}: ${max} beyond 2σ`);
  };
  check('model.embeddings.tok_embeddings.weight', 0.1);
  check('model.layers.1.attn.Wqkv.weight', 0.1);
  check('model.layers.1.mlp.Wi.weight', 0.1);
  check('model.layers.1.attn.Wo.weight', 0.1 / Math.sqrt(6));
  check('model.layers.1.mlp.Wo.weight', 0.1 / Math.sqrt(6));
  check('head.dense.weight', 0.1 / Math.sqrt(6));
  assert.deepEqual(Array.from(model.stateDict().get('model.final_norm.weight')!.data), new Array(64).fill(1));
  assert.deepEqual(Array.from(model.stateDict().get('model.final_norm.bias')!.data), new Array(64).fill(0));
  assert.deepEqual(Array.from(model.stateDict().get('classifier.bias')!.data), new Array(5).fill(0));
});

test('inputs the model cannot take are refused in one sentence', () => {
  const model = goldenModel(golden);
  const ids = IntTensor.from([1, 5, 2], [1, 3]);
  assert.throws(
    () => model.forward(ids, IntTensor.from([1, 1], [1, 2])),
    /^UserError: The attention mask has shape \[1, 2\], but the input ids have \[1, 3\]\.$/,
  );
  assert.throws(
    () => model.forward(IntTensor.from([1, 1200], [1, 2]), IntTensor.from([1, 1], [1, 2])),
    /^UserError: The token id 1200 is outside the vocabulary of the model \(1200 entries\)\.$/,
  );
  const long = new Int32Array(65).fill(5);
  assert.throws(
    () => model.forward(new IntTensor(long, [1, 65]), new IntTensor(new Int32Array(65).fill(1), [1, 65])),
    /^UserError: Sequences of 65 tokens are longer than the model's 64 positions\.$/,
  );
  assert.throws(
    () => model.loss(logitsOfTensor(model), IntTensor.from([7], [1])),
    /outside the model's 5 labels/,
  );
});

function logitsOfTensor(model: SequenceClassifier) {
  return noGrad(() => model.forward(IntTensor.from([1, 5, 2], [1, 3]), IntTensor.from([1, 1, 1], [1, 3])));
}
