import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../../../src/errors.js';
import { ElectraConfig } from '../../../src/models/electra/config.js';
import { ElectraForSequenceClassification } from '../../../src/models/electra/sequence-classification.js';
import { backward, noGrad } from '../../../src/tensor/autograd.js';
import { Rng } from '../../../src/tensor/random.js';
import { IntTensor, Tensor } from '../../../src/tensor/tensor.js';

/** vocab 30, embeddings 4 projected to hidden 8, 2 heads, 2 layers, 16 positions, 3 labels. */
function microConfig(overrides: Partial<ReturnType<ElectraConfig['fields']>> = {}): ElectraConfig {
  return new ElectraConfig({
    ...ElectraConfig.fromJSON({}).fields(),
    vocabSize: 30,
    embeddingSize: 4,
    hiddenSize: 8,
    numHiddenLayers: 2,
    numAttentionHeads: 2,
    intermediateSize: 16,
    maxPositionEmbeddings: 16,
    labels: ['a', 'b', 'c'],
    ...overrides,
  });
}

const ids = IntTensor.from([2, 5, 9, 11, 7, 3, 2, 14, 21, 3, 0, 0], [2, 6]);
const mask = IntTensor.from([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0], [2, 6]);
const types = IntTensor.from([0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0], [2, 6]);
const labels = IntTensor.from([1, 2], [2]);

test("parameter names are exactly transformers', in transformers' order; embeddings_project only when sizes differ", () => {
  const names = (config: ElectraConfig): string[] =>
    [...new ElectraForSequenceClassification(config, new Rng(0)).namedParameters()].map(([n]) => n);
  const layer = [
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
  ].map((s) => `electra.encoder.layer.0.${s}`);
  const embeddings = [
    'electra.embeddings.word_embeddings.weight',
    'electra.embeddings.position_embeddings.weight',
    'electra.embeddings.token_type_embeddings.weight',
    'electra.embeddings.LayerNorm.weight',
    'electra.embeddings.LayerNorm.bias',
  ];
  const head = [
    'classifier.dense.weight',
    'classifier.dense.bias',
    'classifier.out_proj.weight',
    'classifier.out_proj.bias',
  ];
  assert.deepEqual(names(microConfig({ numHiddenLayers: 1 })), [
    ...embeddings,
    'electra.embeddings_project.weight',
    'electra.embeddings_project.bias',
    ...layer,
    ...head,
  ]);
  assert.deepEqual(names(microConfig({ numHiddenLayers: 1, embeddingSize: 8 })), [
    ...embeddings,
    ...layer,
    ...head,
  ]);
  const model = new ElectraForSequenceClassification(microConfig(), new Rng(0));
  assert.deepEqual(model.electra.embeddings.wordEmbeddings.weight.shape, [30, 4]);
  assert.deepEqual(model.stateDict().get('classifier.out_proj.weight')!.shape, [3, 8]);
});

test("transformers' initialisation: N(0, 0.02) weights, zero biases, unit LayerNorms, zero padding row; seeded", () => {
  const config = microConfig({ vocabSize: 3000, embeddingSize: 16, hiddenSize: 16 });
  const params = new ElectraForSequenceClassification(config, new Rng(42)).stateDict();
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
    else
      assert.ok(
        p.data.some((v) => v !== 0),
        name,
      );
  }
  const word = params.get('electra.embeddings.word_embeddings.weight')!;
  assert.ok(
    word.data.subarray(0, 16).every((v) => v === 0),
    'row pad_token_id (0) is zero',
  );
  const rest = word.data.subarray(16);
  const mean = rest.reduce((a, b) => a + b, 0) / rest.length;
  const std = Math.sqrt(rest.reduce((a, b) => a + (b - mean) ** 2, 0) / rest.length);
  assert.ok(Math.abs(std - 0.02) < 5e-4, `std ${std}`);
  const again = new ElectraForSequenceClassification(config, new Rng(42)).stateDict();
  for (const [name, p] of params) assert.deepEqual(again.get(name)!.data, p.data, name);
});

test('token types change the output, omitted ones are zeros; eval is deterministic, training applies dropout', () => {
  const model = new ElectraForSequenceClassification(microConfig(), new Rng(3)).eval();
  const withTypes = noGrad(() => model.forward(ids, mask, types)).data;
  const zeros = new IntTensor(new Int32Array(12), [2, 6]);
  assert.deepEqual(
    noGrad(() => model.forward(ids, mask)).data,
    noGrad(() => model.forward(ids, mask, zeros)).data,
  );
  assert.notDeepEqual(noGrad(() => model.forward(ids, mask)).data, withTypes);
  assert.deepEqual(noGrad(() => model.forward(ids, mask, types)).data, withTypes);
  model.train();
  assert.notDeepEqual(noGrad(() => model.forward(ids, mask, types)).data, withTypes);
});

test('padding changes nothing: a padded sequence scores as the same sequence unpadded', () => {
  const model = new ElectraForSequenceClassification(microConfig(), new Rng(4)).eval();
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
  const model = new ElectraForSequenceClassification(
    microConfig({ numHiddenLayers: 1, initializerRange: 0.5 }),
    new Rng(5),
  ).eval();
  const lossValue = (): number => noGrad(() => model.loss(model.forward(ids, mask, types), labels)).data[0];
  backward(model.loss(model.forward(ids, mask, types), labels));
  const word = model.electra.embeddings.wordEmbeddings.weight.grad!;
  assert.ok(
    word.subarray(0, 4).every((v) => v === 0),
    'row 0 (padding) untouched',
  );
  const probe = new Rng(6);
  const eps = 1e-2;
  for (const [name, p] of model.namedParameters()) {
    const grad = Float32Array.from(p.grad!);
    for (let trial = 0; trial < 3; trial++) {
      let i = probe.int(p.size);
      if (name.endsWith('word_embeddings.weight')) i = 14 * 4 + (i % 4);
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
  const model = new ElectraForSequenceClassification(microConfig(), new Rng(7));
  const len = (n: number): IntTensor => new IntTensor(new Int32Array(n).fill(1), [1, n]);
  const isUserError = (e: unknown): boolean => e instanceof UserError;
  assert.throws(() => model.forward(len(17), len(17)), /longer than the model's 16 positions/);
  assert.throws(
    () => model.forward(IntTensor.from([2, 30], [1, 2]), len(2)),
    /token id 30 is outside the vocabulary/,
  );
  assert.throws(
    () => model.forward(len(2), len(2), IntTensor.from([0, 2], [1, 2])),
    /token type id 2 is outside the token types/,
  );
  assert.throws(() => model.forward(len(3), len(3), len(2)), /token type ids has shape \[1, 2\]/);
  assert.throws(() => model.forward(IntTensor.from([1, 2], [2]), IntTensor.from([1, 1], [2])), isUserError);
  assert.throws(
    () => model.loss(Tensor.zeros([1, 3]), IntTensor.from([-1], [1])),
    /Label id -1 is outside the model's 3 labels/,
  );
});
