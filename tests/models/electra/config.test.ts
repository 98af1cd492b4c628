import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { UserError } from '../../../src/errors.js';
import { ElectraConfig, electraSmallConfig } from '../../../src/models/electra/config.js';
import { readModelConfig } from '../../../src/models/registry.js';

const fixtureConfig = (): Record<string, unknown> =>
  JSON.parse(
    readFileSync(new URL('../../fixtures/families/electra/config.json', import.meta.url), 'utf8'),
  ) as Record<string, unknown>;

function rejects(json: unknown, message: string): void {
  assert.throws(
    () => ElectraConfig.fromJSON(json),
    (e: unknown) => e instanceof UserError && e.message === message,
    `expected: ${message}`,
  );
}

test('parses the config.json transformers 5.17 saved, through the registry', () => {
  const c = readModelConfig(fixtureConfig());
  assert.ok(c instanceof ElectraConfig);
  assert.equal(c.modelType, 'electra');
  assert.equal(c.usesTokenTypes, true);
  const e = c.encoder;
  assert.deepEqual(
    [c.vocabSize, c.embeddingSize, c.hiddenSize, e.numHiddenLayers, e.numAttentionHeads, e.intermediateSize],
    [1200, 16, 32, 2, 4, 64],
  );
  assert.deepEqual([e.maxPositionEmbeddings, e.typeVocabSize, e.layerNormEps], [64, 2, 1e-12]);
  assert.deepEqual([e.hiddenDropoutProb, e.attentionProbsDropoutProb, e.classifierDropout], [0.1, 0.1, null]);
  assert.equal(e.classifierDropoutProb, 0.1);
  assert.equal(c.projectsEmbeddings, true);
  assert.equal(c.numLabels, 5);
  assert.equal(c.maxLength, 64);
});

test("missing fields take transformers' ElectraConfig defaults (electra-small), not BERT's", () => {
  const c = ElectraConfig.fromJSON({});
  const e = c.encoder;
  assert.deepEqual(
    [c.vocabSize, c.embeddingSize, c.hiddenSize, e.numHiddenLayers, e.numAttentionHeads, e.intermediateSize],
    [30522, 128, 256, 12, 4, 1024],
  );
  assert.deepEqual(
    [e.maxPositionEmbeddings, e.typeVocabSize, e.padTokenId, e.initializerRange],
    [512, 2, 0, 0.02],
  );
  assert.deepEqual(c.labels, ['LABEL_0', 'LABEL_1']);
  assert.equal(ElectraConfig.fromJSON({ embedding_size: 256 }).projectsEmbeddings, false);
  assert.equal(ElectraConfig.fromJSON({ classifier_dropout: 0.3 }).encoder.classifierDropoutProb, 0.3);
  assert.deepEqual(electraSmallConfig(['a', 'b', 'c']).fields(), { ...c.fields(), labels: ['a', 'b', 'c'] });
});

test('invalid configs are refused in one sentence', () => {
  const base = fixtureConfig();
  rejects(
    { ...base, embedding_size: 0 },
    'config.json: embedding_size must be a positive whole number, got 0.',
  );
  rejects({ ...base, embedding_size: 1.5 }, 'config.json: embedding_size must be a whole number, got 1.5.');
  rejects(
    { ...base, hidden_size: 30 },
    'config.json: hidden_size 30 is not divisible by num_attention_heads 4.',
  );
  rejects(
    { ...base, hidden_act: 'gelu_new' },
    'config.json: hidden_act "gelu_new" is not supported; only "gelu" (the exact erf form) is.',
  );
  rejects(
    { ...base, type_vocab_size: 0 },
    'config.json: type_vocab_size must be a positive whole number, got 0.',
  );
  rejects(
    { ...base, is_decoder: true },
    'config.json: decoder ELECTRA models (is_decoder, add_cross_attention) are not supported.',
  );
  rejects(
    { ...base, position_embedding_type: 'relative_key' },
    'config.json: position_embedding_type "relative_key" is not supported; only "absolute" is.',
  );
  rejects(
    { ...base, model_type: 'bert' },
    'config.json: model_type is "bert", but an ELECTRA config needs "electra".',
  );
  rejects(
    { ...base, hidden_dropout_prob: 1.5 },
    'config.json: hidden_dropout_prob must be in [0, 1), got 1.5.',
  );
  rejects([], 'config.json: expected a JSON object.');
});

test('toJSON writes an ElectraForSequenceClassification config that parses back to the same fields', () => {
  const c = ElectraConfig.fromJSON(fixtureConfig()).withLabels(['billing', 'fraud']);
  const json = c.toJSON();
  assert.deepEqual(json.architectures, ['ElectraForSequenceClassification']);
  assert.equal(json.model_type, 'electra');
  assert.equal(json.embedding_size, 16);
  assert.equal(json.hidden_size, 32);
  assert.deepEqual(json.id2label, { '0': 'billing', '1': 'fraud' });
  const back = readModelConfig(JSON.parse(JSON.stringify(json)));
  assert.ok(back instanceof ElectraConfig);
  assert.deepEqual(back.fields(), c.fields());
});
