import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useKernels } from '../../src/kernels/active.js';
import { createReferenceKernels } from '../../src/kernels/reference/index.js';
import { UserError } from '../../src/errors.js';
import { readModelConfig, supportedModelTypes } from '../../src/models/registry.js';
import { classificationLoss } from '../../src/models/common/classification-loss.js';
import { BertForSequenceClassification } from '../../src/models/bert/sequence-classification.js';
import { bceWithLogits } from '../../src/tensor/ops/bce-with-logits.js';
import { crossEntropy } from '../../src/tensor/ops/cross-entropy.js';
import { IntTensor, Tensor } from '../../src/tensor/tensor.js';
import { Rng } from '../../src/tensor/random.js';
import { tinyBertConfig } from '../helpers/tiny-model.js';

useKernels(createReferenceKernels());

const MULTI = 'multi_label_classification';
const SINGLE = 'single_label_classification';

for (const modelType of supportedModelTypes()) {
  test(`${modelType}: problem_type is read, kept by withLabels and written back to config.json`, () => {
    const plain = readModelConfig({ model_type: modelType, id2label: { 0: 'a', 1: 'b' } });
    assert.equal(plain.problemType, SINGLE);
    assert.equal(plain.toJSON().problem_type, SINGLE);
    const multi = readModelConfig({
      model_type: modelType,
      id2label: { 0: 'a', 1: 'b' },
      problem_type: MULTI,
    });
    assert.equal(multi.problemType, MULTI);
    assert.equal(multi.toJSON().problem_type, MULTI);
    const relabelled = multi.withLabels(['p', 'q', 'r']);
    assert.equal(relabelled.problemType, MULTI);
    assert.equal(relabelled.numLabels, 3);
    assert.equal(multi.withLabels(['p'], SINGLE).problemType, SINGLE);
    // What is written reads back the same.
    assert.equal(readModelConfig(multi.toJSON()).problemType, MULTI);
    assert.throws(
      () => readModelConfig({ model_type: modelType, problem_type: 'regression' }),
      (e: unknown) => e instanceof UserError && /problem_type "regression" is not supported/.test(e.message),
    );
  });
}

test('classificationLoss: cross-entropy for single-label, binary cross-entropy for multi-label', () => {
  const logits = Tensor.from([0.3, -1.2, 2, 0.1, 0.5, -0.4], [2, 3]);
  const targets = Tensor.from([1, 0, 1, 0, 0, 1], [2, 3]);
  const ids = IntTensor.from([2, 0], [2]);
  assert.equal(
    classificationLoss(logits, targets, { numLabels: 3, problemType: MULTI }).data[0],
    bceWithLogits(logits, targets).data[0],
  );
  assert.equal(
    classificationLoss(logits, ids, { numLabels: 3, problemType: SINGLE }).data[0],
    crossEntropy(logits, ids).data[0],
  );
  assert.throws(() => classificationLoss(logits, ids, { numLabels: 3, problemType: MULTI }), UserError);
  assert.throws(() => classificationLoss(logits, targets, { numLabels: 3, problemType: SINGLE }), UserError);
  assert.throws(
    () => classificationLoss(logits, IntTensor.from([3, 0], [2]), { numLabels: 3, problemType: SINGLE }),
    /outside/,
  );
});

test("a multi-label BERT's loss is BCE on its logits, and its gradient reaches the classifier", () => {
  const config = tinyBertConfig(['a', 'b', 'c']).withLabels(['a', 'b', 'c'], MULTI);
  const model = new BertForSequenceClassification(config, new Rng(3));
  model.eval();
  const ids = IntTensor.from([2, 7, 9, 3, 2, 8, 3, 0], [2, 4]);
  const mask = IntTensor.from([1, 1, 1, 1, 1, 1, 1, 0], [2, 4]);
  const targets = Tensor.from([1, 0, 1, 0, 1, 0], [2, 3]);
  const logits = model.forward(ids, mask);
  const loss = model.loss(logits, targets);
  assert.equal(loss.data[0], bceWithLogits(logits, targets).data[0]);
  assert.ok(loss.requiresGrad);
});
