import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../../../src/errors.js';
import {
  BertConfig,
  bertTinyConfig,
  defaultLabels,
  smallBertConfig,
} from '../../../src/models/bert/config.js';
import { BertForSequenceClassification } from '../../../src/models/bert/sequence-classification.js';
import { Module, countParameters } from '../../../src/nn/index.js';
import { linear } from '../../../src/tensor/ops/linear.js';
import { backward, noGrad } from '../../../src/tensor/autograd.js';
import { Rng } from '../../../src/tensor/random.js';
import { IntTensor, Tensor } from '../../../src/tensor/tensor.js';

/** A model small enough for exhaustive checks: vocab 30, hidden 8, 2 heads, 2 layers. */
function microConfig(overrides: Partial<ReturnType<BertConfig['fields']>> = {}): BertConfig {
  return new BertConfig({
    ...bertTinyConfig(3).fields(),
    vocabSize: 30,
    hiddenSize: 8,
    numHiddenLayers: 2,
    numAttentionHeads: 2,
    intermediateSize: 16,
    maxPositionEmbeddings: 16,
    ...overrides,
  });
}

function batch(): { ids: IntTensor; mask: IntTensor; types: IntTensor; labels: IntTensor } {
  // Two sequences of length 6, the second padded after 4 tokens; token types differ in the first.
  return {
    ids: IntTensor.from([2, 5, 9, 11, 7, 3, 2, 14, 21, 3, 0, 0], [2, 6]),
    mask: IntTensor.from([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0], [2, 6]),
    types: IntTensor.from([0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0], [2, 6]),
    labels: IntTensor.from([1, 2], [2]),
  };
}

test('parameter counts with 9 labels: Small-BERT 10,122,249 and bert-tiny 4,387,081', () => {
  assert.equal(
    countParameters(new BertForSequenceClassification(smallBertConfig(9), new Rng(0))),
    10_122_249,
  );
  assert.equal(countParameters(new BertForSequenceClassification(bertTinyConfig(9), new Rng(0))), 4_387_081);
});

test("parameter names are exactly HF's, in HF's order", () => {
  const names = [
    ...new BertForSequenceClassification(microConfig({ numHiddenLayers: 1 }), new Rng(0)).namedParameters(),
  ].map(([n]) => n);
  const layer = (i: number): string[] =>
    [
      'attention.self.query.weight',
      'attention.self.query.bias',
      'attention.self.key.weight',
      'attention.self.key.bias',
      'attention.self.value.weight',
      'attention.self.value.bias',
      'attention.output.dense.weight',
      'attention.output.dense.bias',
      'attention.output.LayerNorm.weight',
      'attention.output.LayerNorm.bias',
      'intermediate.dense.weight',
      'intermediate.dense.bias',
      'output.dense.weight',
      'output.dense.bias',
      'output.LayerNorm.weight',
      'output.LayerNorm.bias',
    ].map((s) => `bert.encoder.layer.${i}.${s}`);
  assert.deepEqual(names, [
    'bert.embeddings.word_embeddings.weight',
    'bert.embeddings.position_embeddings.weight',
    'bert.embeddings.token_type_embeddings.weight',
    'bert.embeddings.LayerNorm.weight',
    'bert.embeddings.LayerNorm.bias',
    ...layer(0),
    'bert.pooler.dense.weight',
    'bert.pooler.dense.bias',
    'classifier.weight',
    'classifier.bias',
  ]);
});

test('HF initialisation: N(0, initializer_range) weights, zero biases, unit LayerNorm, zero padding row; seeded', () => {
  const config = bertTinyConfig(9);
  const model = new BertForSequenceClassification(config, new Rng(42));
  const params = model.stateDict();
  for (const [name, p] of params) {
    if (name.endsWith('LayerNorm.weight'))
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
  const word = params.get('bert.embeddings.word_embeddings.weight')!;
  assert.ok(
    word.data.subarray(0, 128).every((v) => v === 0),
    'row pad_token_id (0) is zero',
  );
  let sum = 0;
  let sq = 0;
  for (const v of word.data) {
    sum += v;
    sq += v * v;
  }
  const n = word.size - 128;
  const std = Math.sqrt(sq / n - (sum / n) ** 2);
  assert.ok(Math.abs(std - 0.02) < 2e-4, `std ${std}`);
  assert.ok(Math.abs(sum / n) < 1e-4);
  const again = new BertForSequenceClassification(config, new Rng(42)).stateDict();
  for (const [name, p] of params) assert.deepEqual(again.get(name)!.data, p.data, name);
  const other = new BertForSequenceClassification(config, new Rng(43)).stateDict();
  assert.notDeepEqual(other.get('classifier.weight')!.data, params.get('classifier.weight')!.data);
});

test('forward gives [B, numLabels]; eval is deterministic, training applies dropout', () => {
  const model = new BertForSequenceClassification(microConfig(), new Rng(1));
  const { ids, mask, types } = batch();
  model.eval();
  const a = noGrad(() => model.forward(ids, mask, types));
  const b = noGrad(() => model.forward(ids, mask, types));
  assert.deepEqual(a.shape, [2, 3]);
  assert.deepEqual(a.data, b.data);
  model.train();
  const c = noGrad(() => model.forward(ids, mask, types));
  assert.notDeepEqual(c.data, a.data);
  model.eval();
  // Omitted token types are all zeros.
  const zeros = new IntTensor(new Int32Array(12), [2, 6]);
  assert.deepEqual(
    noGrad(() => model.forward(ids, mask)).data,
    noGrad(() => model.forward(ids, mask, zeros)).data,
  );
});

test('padding changes nothing: a padded sequence scores as the same sequence unpadded', () => {
  const model = new BertForSequenceClassification(microConfig(), new Rng(2)).eval();
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

test('the padding row of the word embeddings gets no gradient; other used rows do', () => {
  const model = new BertForSequenceClassification(microConfig(), new Rng(3)).eval();
  const { ids, mask, types, labels } = batch();
  backward(model.loss(model.forward(ids, mask, types), labels));
  const g = model.bert.embeddings.wordEmbeddings.weight.grad!;
  assert.ok(
    g.subarray(0, 8).every((v) => v === 0),
    'row 0 (padding) untouched',
  );
  assert.ok(
    g.subarray(14 * 8, 15 * 8).some((v) => v !== 0),
    'row 14 (a real token) has a gradient',
  );
  assert.ok(
    g.subarray(1 * 8, 2 * 8).every((v) => v === 0),
    'row 1 (unused) untouched',
  );
  for (const [name, p] of model.namedParameters()) assert.ok(p.grad, `${name} has a gradient`);
});

test('loss and gradients agree with central finite differences', () => {
  // A wide init (0.5) keeps every gradient well above float32 noise; at 0.02 some are ~1e-7.
  const config = microConfig({ numHiddenLayers: 1, initializerRange: 0.5 });
  const model = new BertForSequenceClassification(config, new Rng(4)).eval();
  const { ids, mask, types, labels } = batch();
  const lossValue = (): number => noGrad(() => model.loss(model.forward(ids, mask, types), labels)).data[0];
  backward(model.loss(model.forward(ids, mask, types), labels));
  const probe = new Rng(5);
  const eps = 1e-2;
  for (const [name, p] of model.namedParameters()) {
    const grad = Float32Array.from(p.grad!);
    for (let trial = 0; trial < 4; trial++) {
      // The padding row has no gradient by design; probe it only through a real token.
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

test('query, key and value are looked up at call time, so a replacement takes part', () => {
  const model = new BertForSequenceClassification(microConfig({ numHiddenLayers: 1 }), new Rng(6)).eval();
  const { ids, mask } = batch();
  const before = noGrad(() => model.forward(ids, mask)).data;
  const selfAttention = model.getSubmodule('bert.encoder.layer.0.attention.self')!;
  const query = selfAttention.child('query') as unknown as {
    weight: Tensor;
    bias: Tensor;
    inFeatures: number;
    outFeatures: number;
  };
  let calls = 0;
  class Doubled extends Module {
    readonly inFeatures = query.inFeatures;
    readonly outFeatures = query.outFeatures;
    forward(x: Tensor): Tensor {
      calls++;
      const w = Tensor.from(
        query.weight.data.map((v) => 2 * v),
        query.weight.shape,
      );
      return linear(x, w, query.bias);
    }
  }
  selfAttention.replaceChild('query', new Doubled());
  const after = noGrad(() => model.forward(ids, mask)).data;
  assert.equal(calls, 1);
  assert.notDeepEqual(after, before);
});

test('bad inputs are refused in one sentence', () => {
  const model = new BertForSequenceClassification(microConfig(), new Rng(7));
  const isUserError = (e: unknown): boolean => e instanceof UserError;
  const len = (n: number): IntTensor => new IntTensor(new Int32Array(n).fill(1), [1, n]);
  assert.throws(() => model.forward(len(17), len(17)), /longer than the model's 16 positions/);
  assert.throws(
    () => model.forward(IntTensor.from([2, 30], [1, 2]), len(2)),
    /token id 30 is outside the vocabulary/,
  );
  assert.throws(() => model.forward(len(3), len(2)), /attention mask has shape \[1, 2\]/);
  assert.throws(() => model.forward(len(2), len(2), IntTensor.from([0, 2], [1, 2])), isUserError);
  assert.throws(() => model.forward(IntTensor.from([1, 2], [2]), IntTensor.from([1, 1], [2])), isUserError);
  const logits = Tensor.zeros([1, 3]);
  assert.throws(
    () => model.loss(logits, IntTensor.from([3], [1])),
    /Label id 3 is outside the model's 3 labels/,
  );
});

test('labels fix the classifier size', () => {
  const model = new BertForSequenceClassification(microConfig({ labels: defaultLabels(5) }), new Rng(8));
  assert.deepEqual(model.stateDict().get('classifier.weight')!.shape, [5, 8]);
});
