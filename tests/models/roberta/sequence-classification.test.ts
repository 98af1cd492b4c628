import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../../../src/errors.js';
import { createLoraConfig } from '../../../src/lora/config.js';
import { applyLora, loraLayers } from '../../../src/lora/inject.js';
import { RobertaConfig, robertaBaseConfig } from '../../../src/models/roberta/config.js';
import { RobertaForSequenceClassification } from '../../../src/models/roberta/sequence-classification.js';
import { backward, noGrad } from '../../../src/tensor/autograd.js';
import { Rng } from '../../../src/tensor/random.js';
import { IntTensor } from '../../../src/tensor/tensor.js';

/** Vocabulary 30, hidden 8, 2 heads, 2 layers, 10 positions (8 tokens), pad 1. */
function microConfig(overrides: Partial<ReturnType<RobertaConfig['fields']>> = {}): RobertaConfig {
  return new RobertaConfig({
    ...robertaBaseConfig(3).fields(),
    vocabSize: 30,
    hiddenSize: 8,
    numHiddenLayers: 2,
    numAttentionHeads: 2,
    intermediateSize: 16,
    maxPositionEmbeddings: 10,
    ...overrides,
  });
}

function ids(values: number[]): IntTensor {
  return IntTensor.from(values, [1, values.length]);
}

function scores(model: RobertaForSequenceClassification, tokens: number[], mask?: number[]): number[] {
  return [...noGrad(() => model.forward(ids(tokens), ids(mask ?? tokens.map(() => 1)))).data];
}

function assertClose(actual: number[], expected: number[], tolerance: number): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) <= tolerance, `${i}: ${v} vs ${expected[i]}`));
}

test("parameter names are transformers', in its order, with no pooler", () => {
  const names = [
    ...new RobertaForSequenceClassification(
      microConfig({ numHiddenLayers: 1 }),
      new Rng(0),
    ).namedParameters(),
  ].map(([n]) => n);
  assert.deepEqual(names.slice(0, 5), [
    'roberta.embeddings.word_embeddings.weight',
    'roberta.embeddings.token_type_embeddings.weight',
    'roberta.embeddings.LayerNorm.weight',
    'roberta.embeddings.LayerNorm.bias',
    'roberta.embeddings.position_embeddings.weight',
  ]);
  assert.equal(names[5], 'roberta.encoder.layer.0.attention.self.query.weight');
  assert.deepEqual(names.slice(-4), [
    'classifier.dense.weight',
    'classifier.dense.bias',
    'classifier.out_proj.weight',
    'classifier.out_proj.bias',
  ]);
  assert.equal(names.length, 5 + 16 + 4);
  assert.ok(!names.some((n) => n.includes('pooler')));
});

test('HF initialisation: the padding rows of the word and the position table are zero; seeded', () => {
  const config = microConfig();
  const model = new RobertaForSequenceClassification(config, new Rng(7));
  const params = model.stateDict();
  for (const table of ['word_embeddings', 'position_embeddings']) {
    const w = params.get(`roberta.embeddings.${table}.weight`)!;
    assert.ok(
      w.data.subarray(8, 16).every((v) => v === 0),
      `${table} row 1 is zero`,
    );
    assert.ok(
      w.data.subarray(16, 24).some((v) => v !== 0),
      `${table} row 2 is not`,
    );
  }
  assert.ok(params.get('classifier.out_proj.bias')!.data.every((v) => v === 0));
  assert.ok(params.get('roberta.embeddings.LayerNorm.weight')!.data.every((v) => v === 1));
  const again = new RobertaForSequenceClassification(config, new Rng(7)).stateDict();
  for (const [name, p] of params) assert.deepEqual(again.get(name)!.data, p.data, name);
});

test('positions follow the ids: a masked padding token inside a row shifts nothing (BERT-style positions would)', () => {
  // Large weights, so that a shift of positions shows in the scores.
  const model = new RobertaForSequenceClassification(
    microConfig({ initializerRange: 0.5 }),
    new Rng(3),
  ).eval();
  const plain = scores(model, [0, 5, 9, 2]);
  assertClose(scores(model, [0, 5, 1, 9, 2], [1, 1, 0, 1, 1]), plain, 1e-6);
  assertClose(scores(model, [0, 5, 9, 2, 1, 1, 1], [1, 1, 1, 1, 0, 0, 0]), plain, 1e-6);
  // A real token in that place does shift the positions after it, and changes the scores.
  const shifted = scores(model, [0, 5, 7, 9, 2], [1, 1, 0, 1, 1]);
  assert.ok(shifted.some((v, i) => Math.abs(v - plain[i]) > 1e-4));
});

test('the padding rows of both tables get no gradient, even where a padding token is attended', () => {
  const model = new RobertaForSequenceClassification(microConfig(), new Rng(4)).eval();
  const tokens = [0, 1, 5, 2];
  const logits = model.forward(ids(tokens), ids([1, 1, 1, 1]));
  backward(model.loss(logits, IntTensor.from([2], [1])));
  const grads = model.stateDict();
  for (const table of ['word_embeddings', 'position_embeddings']) {
    const g = grads.get(`roberta.embeddings.${table}.weight`)!.grad!;
    assert.ok(
      g.subarray(8, 16).every((v) => v === 0),
      `${table}: row 1 (padding) untouched`,
    );
    assert.ok(
      g.subarray(16, 24).some((v) => v !== 0),
      `${table}: row 2 trained`,
    );
  }
});

test('eval is deterministic, training applies dropout; token types are used when given, zeros otherwise', () => {
  const model = new RobertaForSequenceClassification(microConfig({ typeVocabSize: 2 }), new Rng(5));
  const input = ids([0, 5, 9, 2, 2, 7, 2]);
  const mask = ids([1, 1, 1, 1, 1, 1, 1]);
  model.eval();
  const a = noGrad(() => model.forward(input, mask)).data;
  assert.deepEqual(noGrad(() => model.forward(input, mask)).data, a);
  assert.deepEqual(noGrad(() => model.forward(input, mask, ids([0, 0, 0, 0, 0, 0, 0]))).data, a);
  assert.notDeepEqual(noGrad(() => model.forward(input, mask, ids([0, 0, 0, 0, 1, 1, 1]))).data, a);
  model.train();
  assert.notDeepEqual(noGrad(() => model.forward(input, mask)).data, a);
});

test('inputs it cannot read fail with one clear sentence; maxLength tokens still run', () => {
  const model = new RobertaForSequenceClassification(microConfig(), new Rng(6)).eval();
  assert.equal(model.config.maxLength, 8);
  assert.equal(scores(model, [0, 3, 4, 5, 6, 7, 8, 2]).length, 3);
  const nine = [0, 3, 4, 5, 6, 7, 8, 9, 2];
  assert.throws(
    () => scores(model, nine),
    (e: unknown) =>
      e instanceof UserError &&
      e.message === "Sequences of 9 tokens are longer than the model's 8 positions.",
  );
  assert.throws(() => scores(model, [0, 30, 2]), /token id 30 is outside the vocabulary/);
  assert.throws(
    () => model.forward(ids([0, 5, 2]), ids([1, 1, 1]), ids([0, 1, 0])),
    /token type id 1 is outside the token types of the model \(1 entries\)/,
  );
  assert.throws(() => model.forward(ids([0, 5, 2]), ids([1, 1])), /attention mask has shape/);
  const logits = model.forward(ids([0, 5, 2]), ids([1, 1, 1]));
  assert.throws(
    () => model.loss(logits, IntTensor.from([3], [1])),
    /Label id 3 is outside the model's 3 labels/,
  );
});

test("LoRA's defaults wrap query and value of every layer; the head trains in full", () => {
  const model = new RobertaForSequenceClassification(microConfig(), new Rng(8));
  applyLora(model, createLoraConfig({ task_type: 'SEQ_CLS', r: 2, lora_alpha: 4 }), new Rng(9));
  assert.deepEqual(
    loraLayers(model).map(([path]) => path),
    [0, 1].flatMap((i) => [
      `roberta.encoder.layer.${i}.attention.self.query`,
      `roberta.encoder.layer.${i}.attention.self.value`,
    ]),
  );
  const trainable = [...model.namedParameters()].filter(([, p]) => p.requiresGrad).map(([n]) => n);
  assert.ok(trainable.includes('classifier.dense.weight'));
  assert.ok(trainable.includes('classifier.out_proj.weight'));
  assert.ok(!trainable.includes('roberta.embeddings.word_embeddings.weight'));
});
