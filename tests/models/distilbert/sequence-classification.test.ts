import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../../../src/errors.js';
import { DistilBertConfig } from '../../../src/models/distilbert/config.js';
import { DistilBertForSequenceClassification } from '../../../src/models/distilbert/sequence-classification.js';
import { backward, noGrad } from '../../../src/tensor/autograd.js';
import { Rng } from '../../../src/tensor/random.js';
import { IntTensor, Tensor } from '../../../src/tensor/tensor.js';

/** vocab 30, dim 8, 2 heads, 2 layers, 16 positions, 3 labels. */
function microConfig(overrides: Partial<ReturnType<DistilBertConfig['fields']>> = {}): DistilBertConfig {
  return new DistilBertConfig({
    ...DistilBertConfig.fromJSON({}).fields(),
    vocabSize: 30,
    dim: 8,
    nLayers: 2,
    nHeads: 2,
    hiddenDim: 16,
    maxPositionEmbeddings: 16,
    labels: ['a', 'b', 'c'],
    ...overrides,
  });
}

const ids = IntTensor.from([2, 5, 9, 11, 7, 3, 2, 14, 21, 3, 0, 0], [2, 6]);
const mask = IntTensor.from([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0], [2, 6]);
const labels = IntTensor.from([1, 2], [2]);

test("parameter names are exactly transformers', in transformers' order", () => {
  const names = [
    ...new DistilBertForSequenceClassification(microConfig({ nLayers: 1 }), new Rng(0)).namedParameters(),
  ].map(([n]) => n);
  const layer = [
    'attention.q_lin.weight',
    'attention.q_lin.bias',
    'attention.k_lin.weight',
    'attention.k_lin.bias',
    'attention.v_lin.weight',
    'attention.v_lin.bias',
    'attention.out_lin.weight',
    'attention.out_lin.bias',
    'sa_layer_norm.weight',
    'sa_layer_norm.bias',
    'ffn.lin1.weight',
    'ffn.lin1.bias',
    'ffn.lin2.weight',
    'ffn.lin2.bias',
    'output_layer_norm.weight',
    'output_layer_norm.bias',
  ].map((s) => `distilbert.transformer.layer.0.${s}`);
  assert.deepEqual(names, [
    'distilbert.embeddings.word_embeddings.weight',
    'distilbert.embeddings.position_embeddings.weight',
    'distilbert.embeddings.LayerNorm.weight',
    'distilbert.embeddings.LayerNorm.bias',
    ...layer,
    'pre_classifier.weight',
    'pre_classifier.bias',
    'classifier.weight',
    'classifier.bias',
  ]);
});

test("transformers' initialisation: N(0, 0.02) weights, zero biases, every LayerNorm at 1, zero padding row; seeded", () => {
  const config = microConfig({ vocabSize: 3000, dim: 16 });
  const params = new DistilBertForSequenceClassification(config, new Rng(42)).stateDict();
  for (const [name, p] of params) {
    if (/(LayerNorm|layer_norm)\.weight$/.test(name))
      assert.ok(
        p.data.every((v) => v === 1),
        name,
      );
    else if (name.endsWith('.bias'))
      assert.ok(
        p.data.every((v) => v === 0),
        name,
      );
  }
  const word = params.get('distilbert.embeddings.word_embeddings.weight')!;
  assert.ok(
    word.data.subarray(0, 16).every((v) => v === 0),
    'row pad_token_id (0) is zero',
  );
  const rest = word.data.subarray(16);
  const mean = rest.reduce((a, b) => a + b, 0) / rest.length;
  const std = Math.sqrt(rest.reduce((a, b) => a + (b - mean) ** 2, 0) / rest.length);
  assert.ok(Math.abs(std - 0.02) < 5e-4, `std ${std}`);
  const positions = params.get('distilbert.embeddings.position_embeddings.weight')!;
  assert.ok(
    positions.data.some((v) => v !== 0) && !positions.data.includes(1),
    'learned positions start random',
  );
  const again = new DistilBertForSequenceClassification(config, new Rng(42)).stateDict();
  for (const [name, p] of params) assert.deepEqual(again.get(name)!.data, p.data, name);
});

test('with sinusoidal_pos_embds a fresh model gets the sinusoidal position table', () => {
  const dim = 8;
  const model = new DistilBertForSequenceClassification(
    microConfig({ sinusoidalPosEmbds: true }),
    new Rng(1),
  );
  const table = model.distilbert.embeddings.positionEmbeddings.weight.data;
  // Position 0: sin 0 = 0 in the even columns, cos 0 = 1 in the odd ones.
  assert.deepEqual([...table.subarray(0, dim)], [0, 1, 0, 1, 0, 1, 0, 1]);
  // Position 5, columns 2 and 3 share the angle 5 / 10000^(2/8) = 0.5.
  const row = table.subarray(5 * dim, 6 * dim);
  assert.equal(row[0], Math.fround(Math.sin(5)));
  assert.equal(row[1], Math.fround(Math.cos(5)));
  assert.equal(row[2], Math.fround(Math.sin(0.5)));
  assert.equal(row[3], Math.fround(Math.cos(0.5)));
  assert.equal(row[7], Math.fround(Math.cos(5 / 10000 ** (6 / 8))));
  // Re-initialising only the head leaves the table alone.
  model.initWeights(new Rng(2), ['classifier.weight']);
  assert.equal(table[5 * dim], Math.fround(Math.sin(5)));
});

test('token types are ignored; eval is deterministic, training applies dropout', () => {
  const model = new DistilBertForSequenceClassification(microConfig(), new Rng(3)).eval();
  const plain = noGrad(() => model.forward(ids, mask)).data;
  assert.deepEqual(noGrad(() => model.forward(ids, mask)).data, plain);
  const types = IntTensor.from([0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 5, 5], [2, 6]);
  assert.deepEqual(noGrad(() => model.forward(ids, mask, types)).data, plain);
  model.train();
  assert.notDeepEqual(noGrad(() => model.forward(ids, mask)).data, plain);
});

test('padding changes nothing: a padded sequence scores as the same sequence unpadded', () => {
  const model = new DistilBertForSequenceClassification(microConfig(), new Rng(4)).eval();
  const padded = noGrad(() =>
    model.forward(
      IntTensor.from([2, 14, 21, 3, 0, 0, 0], [1, 7]),
      IntTensor.from([1, 1, 1, 1, 0, 0, 0], [1, 7]),
    ),
  );
  const bare = noGrad(() =>
    model.forward(IntTensor.from([2, 14, 21, 3], [1, 4]), IntTensor.from([1, 1, 1, 1], [1, 4])),
  );
  for (let i = 0; i < 3; i++) assert.ok(Math.abs(padded.data[i] - bare.data[i]) < 1e-6);
});

test('loss and gradients agree with central finite differences; the padding row gets none', () => {
  // A wide init keeps every gradient well above float32 noise (and the ReLU away from its kink).
  const model = new DistilBertForSequenceClassification(
    microConfig({ nLayers: 1, initializerRange: 0.5 }),
    new Rng(5),
  ).eval();
  const lossValue = (): number => noGrad(() => model.loss(model.forward(ids, mask), labels)).data[0];
  backward(model.loss(model.forward(ids, mask), labels));
  const word = model.distilbert.embeddings.wordEmbeddings.weight.grad!;
  assert.ok(
    word.subarray(0, 8).every((v) => v === 0),
    'row 0 (padding) untouched',
  );
  const probe = new Rng(6);
  // A small step: with the wide init a ReLU of the head sits within 1e-2 of its kink for some probes.
  const eps = 3e-3;
  for (const [name, p] of model.namedParameters()) {
    const grad = Float32Array.from(p.grad!);
    for (let trial = 0; trial < 3; trial++) {
      let i = probe.int(p.size);
      if (name.endsWith('word_embeddings.weight')) i = 14 * 8 + (i % 8);
      const saved = p.data[i];
      p.data[i] = saved + eps;
      const up = lossValue();
      p.data[i] = saved - eps;
      const down = lossValue();
      p.data[i] = saved;
      const numeric = (up - down) / (2 * eps);
      assert.ok(
        Math.abs(numeric - grad[i]) <= 1e-3 + 2e-2 * Math.abs(numeric),
        `${name}[${i}]: analytic ${grad[i]} vs numeric ${numeric}`,
      );
    }
  }
});

test('bad inputs are refused in one sentence', () => {
  const model = new DistilBertForSequenceClassification(microConfig(), new Rng(7));
  const len = (n: number): IntTensor => new IntTensor(new Int32Array(n).fill(1), [1, n]);
  const isUserError = (e: unknown): boolean => e instanceof UserError;
  assert.throws(() => model.forward(len(17), len(17)), /longer than the model's 16 positions/);
  assert.throws(
    () => model.forward(IntTensor.from([2, 30], [1, 2]), len(2)),
    /token id 30 is outside the vocabulary/,
  );
  assert.throws(() => model.forward(len(3), len(2)), /attention mask has shape \[1, 2\]/);
  assert.throws(() => model.forward(IntTensor.from([1, 2], [2]), IntTensor.from([1, 1], [2])), isUserError);
  assert.throws(
    () => model.loss(Tensor.zeros([1, 3]), IntTensor.from([3], [1])),
    /Label id 3 is outside the model's 3 labels/,
  );
});
