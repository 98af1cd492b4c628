import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { requireShared } from '../../helpers/shared.js';
import { UserError } from '../../../src/errors.js';
import {
  BertConfig,
  bertTinyConfig,
  defaultLabels,
  smallBertConfig,
} from '../../../src/models/bert/config.js';

const tinyJson = (): Record<string, unknown> => bertTinyConfig(3).toJSON();

function rejects(json: unknown, message: string): void {
  assert.throws(
    () => BertConfig.fromJSON(json),
    (e: unknown) => e instanceof UserError && e.message === message,
    `expected: ${message}`,
  );
}

test('parses the bert-tiny-cls config.json', (t) => {
  const path = requireShared(t, 'fixtures', 'bert-tiny-cls', 'config.json');
  if (!path) return;
  const c = BertConfig.fromJSON(JSON.parse(readFileSync(path, 'utf8')));
  assert.equal(c.vocabSize, 30522);
  assert.equal(c.hiddenSize, 128);
  assert.equal(c.numHiddenLayers, 2);
  assert.equal(c.numAttentionHeads, 2);
  assert.equal(c.headDim, 64);
  assert.equal(c.intermediateSize, 512);
  assert.equal(c.maxPositionEmbeddings, 512);
  assert.equal(c.typeVocabSize, 2);
  assert.equal(c.layerNormEps, 1e-12);
  assert.equal(c.hiddenDropoutProb, 0.1);
  assert.equal(c.attentionProbsDropoutProb, 0.1);
  assert.equal(c.classifierDropout, null);
  assert.equal(c.classifierDropoutProb, 0.1);
  assert.equal(c.padTokenId, 0);
  assert.equal(c.initializerRange, 0.02);
  assert.deepEqual(c.labels, defaultLabels(9));
  assert.equal(c.numLabels, 9);
});

test('missing fields take HF defaults; labels come from id2label, else num_labels, else two', () => {
  const c = BertConfig.fromJSON({});
  assert.equal(c.hiddenSize, 768);
  assert.equal(c.numHiddenLayers, 12);
  assert.deepEqual(c.labels, ['LABEL_0', 'LABEL_1']);
  assert.equal(BertConfig.fromJSON({ num_labels: 5 }).numLabels, 5);
  const named = BertConfig.fromJSON({ id2label: { '1': 'spam', '0': 'ham' } });
  assert.deepEqual(named.labels, ['ham', 'spam']);
  assert.equal(BertConfig.fromJSON({ classifier_dropout: 0.3 }).classifierDropoutProb, 0.3);
  assert.equal(BertConfig.fromJSON({ pad_token_id: null }).padTokenId, null);
});

test('invalid configs are refused in one sentence', () => {
  rejects(
    { ...tinyJson(), hidden_size: 130, num_attention_heads: 4 },
    'config.json: hidden_size 130 is not divisible by num_attention_heads 4.',
  );
  rejects(
    { ...tinyJson(), hidden_act: 'relu' },
    'config.json: hidden_act "relu" is not supported; only "gelu" (the exact erf form) is.',
  );
  rejects(
    { ...tinyJson(), hidden_act: 'gelu_new' },
    'config.json: hidden_act "gelu_new" is not supported; only "gelu" (the exact erf form) is.',
  );
  rejects({ ...tinyJson(), vocab_size: '30522' }, 'config.json: vocab_size must be a number, got "30522".');
  rejects(
    { ...tinyJson(), num_hidden_layers: 2.5 },
    'config.json: num_hidden_layers must be a whole number, got 2.5.',
  );
  rejects(
    { ...tinyJson(), num_hidden_layers: 0 },
    'config.json: num_hidden_layers must be a positive whole number, got 0.',
  );
  rejects(
    { ...tinyJson(), hidden_dropout_prob: 1 },
    'config.json: hidden_dropout_prob must be in [0, 1), got 1.',
  );
  rejects({ ...tinyJson(), layer_norm_eps: 0 }, 'config.json: layer_norm_eps must be positive, got 0.');
  rejects(
    { ...tinyJson(), pad_token_id: 40000 },
    'config.json: pad_token_id 40000 is outside the vocabulary of 30522 tokens.',
  );
  rejects(
    { ...tinyJson(), model_type: 'roberta' },
    'config.json: model_type is "roberta", but only "bert" is supported.',
  );
  rejects(
    { ...tinyJson(), position_embedding_type: 'relative_key' },
    'config.json: position_embedding_type "relative_key" is not supported; only "absolute" is.',
  );
  rejects(
    { ...tinyJson(), id2label: { '0': 'a', '2': 'b' } },
    'config.json: id2label must have the ids 0 to 1, but has "2".',
  );
  rejects(
    { ...tinyJson(), id2label: { '0': 'a', '1': 'a' }, label2id: undefined },
    'config.json: the label "a" appears twice.',
  );
  rejects([1, 2], 'config.json: expected a JSON object.');
  rejects(null, 'config.json: expected a JSON object.');
});

test('toJSON writes an HF BertForSequenceClassification config that parses back to the same fields', () => {
  const c = smallBertConfig(['Mortgage', 'Student loan', 'Debt collection']);
  const json = c.toJSON();
  assert.deepEqual(json.architectures, ['BertForSequenceClassification']);
  assert.equal(json.model_type, 'bert');
  assert.equal(json.problem_type, 'single_label_classification');
  assert.deepEqual(json.id2label, { '0': 'Mortgage', '1': 'Student loan', '2': 'Debt collection' });
  assert.deepEqual(json.label2id, { Mortgage: 0, 'Student loan': 1, 'Debt collection': 2 });
  assert.equal(json.hidden_act, 'gelu');
  assert.equal(json.hidden_size, 256);
  const back = BertConfig.fromJSON(JSON.parse(JSON.stringify(json)));
  assert.deepEqual(back.fields(), c.fields());
});

test('presets: bert-tiny and Small-BERT', () => {
  const tiny = bertTinyConfig(9);
  assert.deepEqual(
    [tiny.numHiddenLayers, tiny.hiddenSize, tiny.numAttentionHeads, tiny.intermediateSize, tiny.vocabSize],
    [2, 128, 2, 512, 30522],
  );
  const small = smallBertConfig(9);
  assert.deepEqual(
    [
      small.numHiddenLayers,
      small.hiddenSize,
      small.numAttentionHeads,
      small.intermediateSize,
      small.vocabSize,
    ],
    [4, 256, 4, 512, 30522],
  );
  assert.deepEqual([small.maxPositionEmbeddings, small.typeVocabSize], [512, 2]);
  assert.deepEqual(small.labels, defaultLabels(9));
  assert.deepEqual(small.withLabels(['x', 'y']).labels, ['x', 'y']);
});
