import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../../../src/errors.js';
import { ModernBertConfig, layerTypesEvery } from '../../../src/models/modernbert/config.js';
import { modernBertConfigFromJSON } from '../../../src/models/modernbert/config-json.js';
import { readModelConfig } from '../../../src/models/registry.js';
import { fixtureJson, transformers4Json } from './helpers.js';

function rejects(json: Record<string, unknown>, message: string): void {
  assert.throws(
    () => modernBertConfigFromJSON(json, 'config.json'),
    (e: unknown) => e instanceof UserError && e.message === message,
    `expected: ${message}`,
  );
}

test("reads transformers 5.17's config.json of the fixture", () => {
  const c = readModelConfig(fixtureJson(), 'config.json');
  assert.ok(c instanceof ModernBertConfig);
  assert.equal(c.modelType, 'modernbert');
  assert.equal(c.usesTokenTypes, false);
  assert.equal(c.hiddenSize, 32);
  assert.equal(c.headDim, 8);
  assert.deepEqual(c.layerTypes, ['full_attention', 'sliding_attention', 'sliding_attention']);
  assert.equal(c.fullRopeTheta, 160000);
  assert.equal(c.slidingRopeTheta, 10000);
  assert.equal(c.localAttention, 8);
  assert.equal(c.halfWindow, 4);
  assert.equal(c.classifierPooling, 'mean');
  assert.equal(c.padTokenId, 3);
  assert.equal(c.normBias, false);
  assert.equal(c.maxLength, 64);
  assert.equal(c.numLabels, 5);
  assert.equal((readModelConfig(fixtureJson('modernbert-cls')) as ModernBertConfig).classifierPooling, 'cls');
});

test("transformers 4's spelling gives the same config as transformers 5's", () => {
  const four = modernBertConfigFromJSON(transformers4Json());
  const five = modernBertConfigFromJSON(fixtureJson());
  assert.deepEqual(four.fields(), five.fields());
});

test('rope_parameters and layer_types win over the transformers 4 fields, as in transformers 5', () => {
  const c = modernBertConfigFromJSON({
    ...fixtureJson(),
    global_rope_theta: 5,
    local_rope_theta: 6,
    layer_types: ['sliding_attention', 'full_attention', 'full_attention'],
    rope_parameters: { full_attention: { rope_theta: 1000, rope_type: 'default' } },
  });
  assert.equal(c.fullRopeTheta, 1000);
  // The sliding entry is missing: transformers 5 takes local_rope_theta for it.
  assert.equal(c.slidingRopeTheta, 6);
  assert.deepEqual(c.layerTypes, ['sliding_attention', 'full_attention', 'full_attention']);
});

test("fields a config leaves out take transformers' ModernBertConfig defaults (ModernBERT-base)", () => {
  const c = modernBertConfigFromJSON({ model_type: 'modernbert' });
  assert.equal(c.vocabSize, 50368);
  assert.equal(c.hiddenSize, 768);
  assert.equal(c.intermediateSize, 1152);
  assert.equal(c.numHiddenLayers, 22);
  assert.equal(c.numAttentionHeads, 12);
  assert.equal(c.normEps, 1e-5);
  assert.equal(c.normBias, false);
  assert.equal(c.maxPositionEmbeddings, 8192);
  assert.equal(c.padTokenId, 50283);
  assert.equal(c.clsTokenId, 50281);
  assert.equal(c.sepTokenId, 50282);
  assert.equal(c.localAttention, 128);
  assert.equal(c.halfWindow, 64);
  assert.equal(c.fullRopeTheta, 160000);
  assert.equal(c.slidingRopeTheta, 10000);
  assert.equal(c.globalAttnEveryNLayers, 3);
  assert.deepEqual(c.layerTypes, layerTypesEvery(3, 22));
  assert.equal(c.layerTypes.filter((t) => t === 'full_attention').length, 8);
  assert.equal(c.classifierPooling, 'cls');
  assert.equal(c.classifierBias, false);
  assert.equal(c.attentionBias, false);
  assert.equal(c.mlpBias, false);
  assert.equal(c.initializerRange, 0.02);
  assert.equal(c.initializerCutoffFactor, 2);
  assert.deepEqual(c.labels, ['LABEL_0', 'LABEL_1']);
});

test("toJSON writes transformers 5's spelling and transformers 4's, and reads back the same", () => {
  const c = modernBertConfigFromJSON({
    ...fixtureJson(),
    layer_types: ['full_attention', 'full_attention', 'sliding_attention'],
    rope_parameters: {
      full_attention: { rope_theta: 2000, rope_type: 'default' },
      sliding_attention: { rope_theta: 300, rope_type: 'default' },
    },
  });
  const json = c.toJSON();
  assert.deepEqual(json.layer_types, ['full_attention', 'full_attention', 'sliding_attention']);
  assert.deepEqual(json.rope_parameters, {
    full_attention: { rope_theta: 2000, rope_type: 'default' },
    sliding_attention: { rope_theta: 300, rope_type: 'default' },
  });
  assert.equal(json.global_rope_theta, 2000);
  assert.equal(json.local_rope_theta, 300);
  assert.equal(json.global_attn_every_n_layers, 3);
  assert.equal(json.local_attention, 8);
  assert.deepEqual(json.architectures, ['ModernBertForSequenceClassification']);
  assert.deepEqual(modernBertConfigFromJSON(JSON.parse(JSON.stringify(json))).fields(), c.fields());
  // What transformers 4 reads of it (it knows neither layer_types nor rope_parameters) is the same
  // model when the layout follows its pattern.
  const regular = modernBertConfigFromJSON(fixtureJson()).toJSON();
  const asFour = { ...regular, layer_types: undefined, rope_parameters: undefined };
  assert.deepEqual(modernBertConfigFromJSON(asFour).fields(), modernBertConfigFromJSON(regular).fields());
});

test('unsupported settings are refused in one sentence', () => {
  const base = fixtureJson();
  rejects(
    {
      ...base,
      rope_parameters: {
        full_attention: { rope_theta: 160000, rope_type: 'yarn', factor: 4 },
        sliding_attention: { rope_theta: 10000, rope_type: 'default' },
      },
    },
    'config.json: rope_type "yarn" of the full_attention layers is not supported; LoRA Lab applies only "default".',
  );
  rejects(
    { ...base, rope_parameters: { rope_theta: 10000, rope_type: 'default' } },
    'config.json: rope_parameters has an entry "rope_theta", but LoRA Lab reads one per layer type (full_attention, sliding_attention).',
  );
  rejects(
    { ...base, rope_scaling: { type: 'linear', factor: 2 } },
    'config.json: rope_scaling is not supported; LoRA Lab applies only the default rotary embedding.',
  );
  rejects(
    { ...base, layer_types: ['full_attention', 'sliding_attention'] },
    'config.json: layer_types must list the attention of each of the 3 layers (num_hidden_layers).',
  );
  rejects(
    { ...base, layer_types: ['full_attention', 'chunked_attention', 'sliding_attention'] },
    'config.json: layer type "chunked_attention" is not supported; LoRA Lab reads "full_attention" and "sliding_attention".',
  );
  rejects(
    { ...base, hidden_activation: 'silu' },
    'config.json: hidden_activation "silu" is not supported; LoRA Lab reads "gelu".',
  );
  rejects(
    { ...base, classifier_activation: 'tanh' },
    'config.json: classifier_activation "tanh" is not supported; LoRA Lab reads "gelu".',
  );
  rejects(
    { ...base, classifier_pooling: 'max' },
    'config.json: classifier_pooling "max" is not supported; LoRA Lab reads "cls", "mean".',
  );
  rejects(
    { ...base, num_attention_heads: 5 },
    'config.json: hidden_size 32 is not divisible by num_attention_heads 5.',
  );
  rejects(
    { ...base, hidden_size: 36, num_attention_heads: 4 },
    'config.json: the head size 9 (hidden_size / num_attention_heads) must be even for rotary position embeddings.',
  );
  rejects(
    { ...base, pad_token_id: 1200 },
    'config.json: pad_token_id 1200 is outside the vocabulary of 1200 tokens.',
  );
  rejects(
    { ...base, local_attention: 0 },
    'config.json: local_attention must be a positive whole number, got 0.',
  );
  rejects(
    { ...base, layer_types: null, global_attn_every_n_layers: 0 },
    'config.json: global_attn_every_n_layers must be a positive whole number, got 0.',
  );
  rejects({ ...base, norm_bias: 'yes' }, 'config.json: norm_bias must be true or false, got "yes".');
  rejects({ ...base, mlp_dropout: 1 }, 'config.json: mlp_dropout must be in [0, 1), got 1.');
  rejects(
    { ...base, model_type: 'bert' },
    'config.json: model_type is "bert", but a ModernBERT config was expected.',
  );
});
