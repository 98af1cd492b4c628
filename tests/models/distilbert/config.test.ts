import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { UserError } from '../../../src/errors.js';
import { DistilBertConfig, distilBertBaseConfig } from '../../../src/models/distilbert/config.js';
import { readModelConfig } from '../../../src/models/registry.js';

const fixtureConfig = (): Record<string, unknown> =>
  JSON.parse(
    readFileSync(new URL('../../fixtures/families/distilbert/config.json', import.meta.url), 'utf8'),
  ) as Record<string, unknown>;

function rejects(json: unknown, message: string): void {
  assert.throws(
    () => DistilBertConfig.fromJSON(json),
    (e: unknown) => e instanceof UserError && e.message === message,
    `expected: ${message}`,
  );
}

test('parses the config.json transformers 5.17 saved, through the registry', () => {
  const c = readModelConfig(fixtureConfig());
  assert.ok(c instanceof DistilBertConfig);
  assert.equal(c.modelType, 'distilbert');
  assert.equal(c.usesTokenTypes, false);
  assert.deepEqual(
    [c.vocabSize, c.dim, c.nLayers, c.nHeads, c.hiddenDim, c.maxPositionEmbeddings],
    [1200, 32, 2, 4, 64, 64],
  );
  assert.deepEqual([c.dropout, c.attentionDropout, c.seqClassifDropout], [0.1, 0.1, 0.2]);
  assert.equal(c.activation, 'gelu');
  assert.equal(c.sinusoidalPosEmbds, false);
  assert.equal(c.initializerRange, 0.02);
  assert.equal(c.padTokenId, 0);
  assert.deepEqual(c.labels, ['LABEL_0', 'LABEL_1', 'LABEL_2', 'LABEL_3', 'LABEL_4']);
  assert.equal(c.maxLength, 64);
});

test("missing fields take transformers' DistilBertConfig defaults (distilbert-base-uncased)", () => {
  const c = DistilBertConfig.fromJSON({});
  assert.deepEqual(
    [c.vocabSize, c.dim, c.nLayers, c.nHeads, c.hiddenDim, c.maxPositionEmbeddings],
    [30522, 768, 6, 12, 3072, 512],
  );
  assert.deepEqual([c.dropout, c.attentionDropout, c.seqClassifDropout], [0.1, 0.1, 0.2]);
  assert.equal(c.sinusoidalPosEmbds, false);
  assert.equal(c.initializerRange, 0.02);
  assert.equal(c.padTokenId, 0);
  assert.deepEqual(c.labels, ['LABEL_0', 'LABEL_1']);
  assert.equal(DistilBertConfig.fromJSON({ num_labels: 4 }).numLabels, 4);
  assert.deepEqual(DistilBertConfig.fromJSON({ id2label: { '1': 'pos', '0': 'neg' } }).labels, [
    'neg',
    'pos',
  ]);
  assert.equal(DistilBertConfig.fromJSON({ pad_token_id: null }).padTokenId, null);
  assert.equal(DistilBertConfig.fromJSON({ sinusoidal_pos_embds: true }).sinusoidalPosEmbds, true);
  assert.deepEqual(distilBertBaseConfig(3).fields(), {
    ...c.fields(),
    labels: ['LABEL_0', 'LABEL_1', 'LABEL_2'],
  });
});

test('invalid configs are refused in one sentence', () => {
  const base = fixtureConfig();
  rejects({ ...base, dim: 30 }, 'config.json: dim 30 is not divisible by n_heads 4.');
  rejects(
    { ...base, activation: 'relu' },
    'config.json: activation "relu" is not supported; only "gelu" (the exact erf form) is.',
  );
  rejects({ ...base, n_layers: 0 }, 'config.json: n_layers must be a positive whole number, got 0.');
  rejects({ ...base, hidden_dim: 6.5 }, 'config.json: hidden_dim must be a whole number, got 6.5.');
  rejects({ ...base, dim: '32' }, 'config.json: dim must be a number, got "32".');
  rejects({ ...base, seq_classif_dropout: 1 }, 'config.json: seq_classif_dropout must be in [0, 1), got 1.');
  rejects(
    { ...base, attention_dropout: -0.1 },
    'config.json: attention_dropout must be in [0, 1), got -0.1.',
  );
  rejects(
    { ...base, sinusoidal_pos_embds: 'yes' },
    'config.json: sinusoidal_pos_embds must be true or false, got "yes".',
  );
  rejects({ ...base, initializer_range: 0 }, 'config.json: initializer_range must be positive, got 0.');
  rejects(
    { ...base, pad_token_id: 1200 },
    'config.json: pad_token_id 1200 is outside the vocabulary of 1200 tokens.',
  );
  rejects(
    { ...base, model_type: 'bert' },
    'config.json: model_type is "bert", but a DistilBERT config needs "distilbert".',
  );
  rejects(
    { ...base, id2label: { '0': 'a', '1': 'a' }, label2id: undefined },
    'config.json: the label "a" appears twice.',
  );
  rejects('distilbert', 'config.json: expected a JSON object.');
});

test('toJSON writes a DistilBertForSequenceClassification config that parses back to the same fields', () => {
  const c = new DistilBertConfig({
    ...DistilBertConfig.fromJSON(fixtureConfig()).fields(),
    sinusoidalPosEmbds: true,
    padTokenId: null,
    labels: ['Mortgage', 'Student loan'],
  });
  const json = c.toJSON();
  assert.deepEqual(json.architectures, ['DistilBertForSequenceClassification']);
  assert.equal(json.model_type, 'distilbert');
  assert.equal(json.problem_type, 'single_label_classification');
  assert.deepEqual(json.id2label, { '0': 'Mortgage', '1': 'Student loan' });
  assert.deepEqual(json.label2id, { Mortgage: 0, 'Student loan': 1 });
  // transformers' own field names, not BERT's.
  assert.deepEqual(
    [json.dim, json.n_layers, json.n_heads, json.hidden_dim, json.sinusoidal_pos_embds, json.pad_token_id],
    [32, 2, 4, 64, true, null],
  );
  assert.equal(json.hidden_size, undefined);
  const back = readModelConfig(JSON.parse(JSON.stringify(json)));
  assert.ok(back instanceof DistilBertConfig);
  assert.deepEqual(back.fields(), c.fields());
  assert.deepEqual(c.withLabels(['x', 'y', 'z']).numLabels, 3);
});
