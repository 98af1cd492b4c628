import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../../src/errors.js';
import { bertTinyConfig, smallBertConfig } from '../../src/models/bert/config.js';
import { BertForSequenceClassification } from '../../src/models/bert/sequence-classification.js';
import { Linear } from '../../src/nn/linear.js';
import { createLoraConfig } from '../../src/lora/config.js';
import { applyLora, loraLayers, planLora } from '../../src/lora/inject.js';
import { LoRALinear } from '../../src/lora/lora-linear.js';
import { trainableParameterReport, formatTrainableParameters } from '../../src/lora/report.js';
import { loraStateOf } from '../../src/lora/state.js';
import { noGrad } from '../../src/tensor/autograd.js';
import { Rng } from '../../src/tensor/random.js';
import { batch, perturbLora, smallModel, studyConfig } from './helpers.js';

test('applyLora wraps query and value of every layer, with PEFT in-memory names', () => {
  const model = smallModel();
  const before = new Map([...model.namedParameters()].map(([n, p]) => [n, p]));
  const state = applyLora(model, studyConfig(), new Rng(1));
  assert.deepEqual(state.targets, [
    'bert.encoder.layer.0.attention.self.query',
    'bert.encoder.layer.0.attention.self.value',
    'bert.encoder.layer.1.attention.self.query',
    'bert.encoder.layer.1.attention.self.value',
  ]);
  assert.deepEqual(state.modulesToSave, ['classifier']);
  assert.deepEqual(state.config.modules_to_save, ['classifier', 'score']);
  const names = [...model.namedParameters()].map(([n]) => n);
  for (const prefix of [
    'bert.encoder.layer.0.attention.self.query',
    'bert.encoder.layer.1.attention.self.value',
  ]) {
    for (const suffix of ['base_layer.weight', 'base_layer.bias', 'lora_A.weight', 'lora_B.weight']) {
      assert.ok(names.includes(`${prefix}.${suffix}`), `${prefix}.${suffix}`);
    }
  }
  assert.ok(names.includes('bert.encoder.layer.0.attention.self.key.weight'), 'key stays a plain Linear');
  // The wrapper holds the very same base tensors: nothing was copied.
  assert.equal(
    model.stateDict().get('bert.encoder.layer.0.attention.self.query.base_layer.weight'),
    before.get('bert.encoder.layer.0.attention.self.query.weight'),
  );
  assert.ok(model.getSubmodule('bert.encoder.layer.0.attention.self.query') instanceof LoRALinear);
  assert.equal(loraStateOf(model), state);
});

test('only LoRA factors and modules_to_save are trainable', () => {
  const model = smallModel();
  applyLora(model, studyConfig(), new Rng(1));
  for (const [name, p] of model.namedParameters()) {
    const shouldTrain =
      name.includes('.lora_A.') || name.includes('.lora_B.') || name.startsWith('classifier.');
    assert.equal(p.requiresGrad, shouldTrain, name);
  }
});

test('bias "all" and "lora_only" make the chosen biases trainable, as PEFT', () => {
  const all = smallModel();
  applyLora(all, studyConfig({ bias: 'all' }), new Rng(1));
  const trainAll = [...all.namedParameters()].filter(([, p]) => p.requiresGrad).map(([n]) => n);
  assert.ok(trainAll.includes('bert.embeddings.LayerNorm.bias'));
  assert.ok(trainAll.includes('bert.encoder.layer.0.attention.self.query.base_layer.bias'));
  assert.ok(trainAll.includes('bert.encoder.layer.0.output.dense.bias'));
  assert.ok(!trainAll.includes('bert.encoder.layer.0.output.dense.weight'));
  const only = smallModel();
  applyLora(only, studyConfig({ bias: 'lora_only' }), new Rng(1));
  const trainOnly = [...only.namedParameters()].filter(([, p]) => p.requiresGrad).map(([n]) => n);
  assert.ok(trainOnly.includes('bert.encoder.layer.0.attention.self.query.base_layer.bias'));
  assert.ok(!trainOnly.includes('bert.encoder.layer.0.attention.self.key.bias'));
  assert.ok(!trainOnly.includes('bert.embeddings.LayerNorm.bias'));
});

test('inference_mode freezes everything, as PEFT', () => {
  const model = smallModel();
  applyLora(model, studyConfig({ inference_mode: true }), new Rng(1));
  assert.ok([...model.namedParameters()].every(([, p]) => !p.requiresGrad));
});

test('bert-tiny, 9 labels, r 8 on query and value: 9,353 trainable, PEFT prints 4,396,434 in all', () => {
  const model = new BertForSequenceClassification(bertTinyConfig(9), new Rng(0), { initialize: false });
  applyLora(model, studyConfig(), new Rng(1));
  const report = trainableParameterReport(model);
  assert.equal(report.trainable, 9353);
  assert.equal(report.parameters, 4_387_081 + 8_192);
  assert.equal(report.total, 4_396_434);
  assert.equal(report.text, 'trainable params: 9,353 || all params: 4,396,434 || trainable%: 0.2127');
  // r 16: the study's other run (17,545 of 4,404,626).
  const r16 = new BertForSequenceClassification(bertTinyConfig(9), new Rng(0), { initialize: false });
  applyLora(r16, studyConfig({ r: 16 }), new Rng(1));
  assert.equal(
    trainableParameterReport(r16).text,
    'trainable params: 17,545 || all params: 4,404,626 || trainable%: 0.3983',
  );
});

test('Small-BERT (4 × 256), 9 labels, r 8 on query and value: 35,081 trainable', () => {
  const model = new BertForSequenceClassification(smallBertConfig(9), new Rng(0), { initialize: false });
  const plain = trainableParameterReport(model);
  assert.equal(plain.total, 10_122_249, 'the study reports 10,122,249 parameters for Small-BERT');
  applyLora(model, studyConfig(), new Rng(1));
  const report = trainableParameterReport(model);
  // 4 layers × 2 modules × (8·256 + 256·8) = 32,768, plus the classifier 256·9 + 9 = 2,313.
  assert.equal(report.trainable, 35_081);
  assert.equal(report.total, 10_122_249 + 32_768 + 2_313);
});

test('formatTrainableParameters formats as Python does', () => {
  assert.equal(formatTrainableParameters(0, 0), 'trainable params: 0 || all params: 0 || trainable%: 0.0000');
  assert.equal(
    formatTrainableParameters(999, 1000),
    'trainable params: 999 || all params: 1,000 || trainable%: 99.9000',
  );
  assert.equal(
    formatTrainableParameters(1_234_567, 1_234_567),
    'trainable params: 1,234,567 || all params: 1,234,567 || trainable%: 100.0000',
  );
});

test('targets that match nothing are refused, and the model is left alone', () => {
  const model = smallModel();
  assert.throws(
    () => applyLora(model, studyConfig({ target_modules: ['q_proj', 'v_proj'] }), new Rng(1)),
    (e: unknown) =>
      e instanceof UserError &&
      /No module of the model matches target_modules \["q_proj", "v_proj"\]/.test(e.message),
  );
  assert.throws(
    () => applyLora(model, studyConfig({ target_modules: 'query' }), new Rng(1)),
    /whole dotted path/,
  );
  assert.equal(loraLayers(model).length, 0);
  assert.equal(loraStateOf(model), undefined);
  assert.ok([...model.namedParameters()].every(([, p]) => p.requiresGrad));
});

test('a target that is not a Linear is refused', () => {
  const model = smallModel();
  assert.throws(
    () => applyLora(model, studyConfig({ target_modules: ['attention'] }), new Rng(1)),
    (e: unknown) =>
      e instanceof UserError &&
      /bert\.encoder\.layer\.0\.attention is a BertAttention, not a Linear/.test(e.message),
  );
});

test('a second adapter is refused until the first is merged or unloaded', () => {
  const model = smallModel();
  applyLora(model, studyConfig(), new Rng(1));
  assert.throws(
    () => applyLora(model, studyConfig({ target_modules: ['key'] }), new Rng(1)),
    /already carries a LoRA adapter/,
  );
});

test('a null target list takes BERT default (query, value); the applied config records it', () => {
  const model = smallModel();
  const state = applyLora(model, createLoraConfig({ task_type: 'SEQ_CLS' }), new Rng(1));
  assert.deepEqual(state.config.target_modules, ['query', 'value']);
  assert.equal(state.targets.length, 4);
});

test('"all-linear" takes every Linear but the classifier, and LoRA in the dense layers takes effect', () => {
  const model = smallModel();
  model.eval();
  const { ids, mask } = batch();
  const before = noGrad(() => model.forward(ids, mask)).toArray();
  const state = applyLora(model, studyConfig({ target_modules: 'all-linear' }), new Rng(1));
  // 2 layers × 6 Linears (query, key, value, attention output, intermediate, output) + the pooler.
  assert.equal(state.targets.length, 13);
  assert.ok(!state.targets.includes('classifier'));
  assert.ok(state.targets.includes('bert.pooler.dense'));
  assert.deepEqual(noGrad(() => model.forward(ids, mask)).toArray(), before, 'B = 0: no change yet');
  // Perturb only the LoRA of one dense layer (called through a field, not projection()): the output moves.
  const dense = model.getSubmodule('bert.encoder.layer.1.output.dense') as LoRALinear;
  dense.lora_B.weight.data.fill(0.5);
  const after = noGrad(() => model.forward(ids, mask)).toArray();
  assert.notDeepEqual(after, before);
});

test('planLora does not touch the model', () => {
  const model = smallModel();
  const plan = planLora(model, studyConfig());
  assert.equal(plan.targets.length, 4);
  assert.ok(plan.targets.every((t) => t.base instanceof Linear));
  assert.equal(loraLayers(model).length, 0);
});

test('the adapter changes logits once B is non-zero, and the wrapper is used through projection()', () => {
  const model = smallModel();
  model.eval();
  const { ids, mask } = batch();
  const before = noGrad(() => model.forward(ids, mask)).toArray();
  applyLora(model, studyConfig(), new Rng(1));
  assert.deepEqual(noGrad(() => model.forward(ids, mask)).toArray(), before);
  perturbLora(model);
  assert.notDeepEqual(noGrad(() => model.forward(ids, mask)).toArray(), before);
});
