import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../../../src/errors.js';
import { familyOf, readModelConfig } from '../../../src/models/registry.js';
import { RobertaConfig, robertaBaseConfig } from '../../../src/models/roberta/config.js';
import { robertaFamily } from '../../../src/models/roberta/family.js';
import { familyGolden } from '../../parity/families/family-golden.js';

/** A UserError whose message is one sentence matching `pattern`. */
function oneSentence(pattern: RegExp): (e: unknown) => boolean {
  return (e) => {
    assert.ok(e instanceof UserError, `expected a UserError, got ${String(e)}`);
    assert.match(e.message, pattern);
    assert.match(e.message, /^[^\n]+\.$/, 'one sentence, no line breaks');
    return true;
  };
}

test("missing fields take transformers' RobertaConfig defaults (BertConfig's sizes, pad 1, bos 0, eos 2)", () => {
  const c = RobertaConfig.fromJSON({ model_type: 'roberta' });
  assert.deepEqual(c.fields(), {
    modelType: 'roberta',
    vocabSize: 50265,
    hiddenSize: 768,
    numHiddenLayers: 12,
    numAttentionHeads: 12,
    intermediateSize: 3072,
    maxPositionEmbeddings: 512,
    typeVocabSize: 2,
    layerNormEps: 1e-12,
    hiddenDropoutProb: 0.1,
    attentionProbsDropoutProb: 0.1,
    hiddenAct: 'gelu',
    initializerRange: 0.02,
    classifierDropout: null,
    padTokenId: 1,
    bosTokenId: 0,
    eosTokenId: 2,
    labels: ['LABEL_0', 'LABEL_1'],
    problemType: 'single_label_classification',
  });
  assert.equal(c.maxLength, 510);
  assert.equal(c.usesTokenTypes, false);
  assert.equal(c.classifierDropoutProb, 0.1);
  // XLMRobertaConfig differs only in its vocabulary default.
  assert.equal(RobertaConfig.fromJSON({ model_type: 'xlm-roberta' }).vocabSize, 30522);
});

test('the golden config.json of both model types reads through the registry; maxLength is positions − pad − 1', () => {
  for (const family of ['roberta', 'xlm-roberta']) {
    const golden = familyGolden(family);
    assert.equal(familyOf(family), robertaFamily);
    const c = readModelConfig(golden.config, 'golden');
    assert.ok(c instanceof RobertaConfig);
    assert.equal(c.modelType, family);
    assert.equal(c.maxLength, 66 - 1 - 1);
    assert.equal(c.numLabels, 5);
    assert.equal(c.typeVocabSize, 1);
  }
  const base = robertaBaseConfig(3);
  assert.equal(base.maxPositionEmbeddings, 514);
  assert.equal(base.maxLength, 512);
});

test('toJSON writes back the model_type it was read with and its …ForSequenceClassification', () => {
  const cases = [
    ['roberta', 'RobertaForSequenceClassification'],
    ['xlm-roberta', 'XLMRobertaForSequenceClassification'],
  ] as const;
  for (const [modelType, architecture] of cases) {
    const golden = familyGolden(modelType);
    const c = RobertaConfig.fromJSON(golden.config).withLabels(['no', 'yes']);
    const json = c.toJSON();
    assert.equal(json.model_type, modelType);
    assert.deepEqual(json.architectures, [architecture]);
    assert.deepEqual(json.id2label, { '0': 'no', '1': 'yes' });
    assert.equal(json.pad_token_id, 1);
    assert.equal(json.bos_token_id, 0);
    assert.equal(json.eos_token_id, 2);
    // What is written reads back to the same config.
    assert.deepEqual(RobertaConfig.fromJSON(json).fields(), c.fields());
  }
});

test('classifier_dropout, when set, is the head dropout', () => {
  const c = RobertaConfig.fromJSON({ model_type: 'roberta', classifier_dropout: 0.3 });
  assert.equal(c.classifierDropoutProb, 0.3);
});

test('configs LoRA Lab cannot run fail with one sentence naming the field', () => {
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ model_type: 'bert' }, /model_type is "bert", but RoBERTa reads only "roberta" and "xlm-roberta"/],
    [{ model_type: 'roberta', pad_token_id: null }, /pad_token_id is null.*position ids are counted from it/],
    [{ model_type: 'roberta', pad_token_id: 60000 }, /pad_token_id 60000 is outside the vocabulary/],
    [
      { model_type: 'roberta', max_position_embeddings: 2 },
      /max_position_embeddings 2 leaves no position for a token after pad_token_id 1/,
    ],
    [
      { model_type: 'roberta', position_embedding_type: 'relative_key' },
      /position_embedding_type "relative_key" is not supported/,
    ],
    [{ model_type: 'roberta', is_decoder: true }, /decoder RoBERTa models/],
    [{ model_type: 'roberta', hidden_act: 'relu' }, /hidden_act "relu" is not supported/],
    [{ model_type: 'roberta', hidden_size: 'big' }, /hidden_size must be a number/],
    [
      { model_type: 'roberta', hidden_size: 100 },
      /hidden_size 100 is not divisible by num_attention_heads 12/,
    ],
    [{ model_type: 'roberta', classifier_dropout: 1.5 }, /classifier_dropout must be in \[0, 1\)/],
    [{ model_type: 'xlm-roberta', id2label: { '0': 'a', '0x': 'b' } }, /id2label must have the ids 0 to 1/],
  ];
  for (const [json, pattern] of bad) {
    assert.throws(
      () => RobertaConfig.fromJSON(json, 'config.json'),
      oneSentence(pattern),
      JSON.stringify(json),
    );
  }
  assert.throws(
    () => RobertaConfig.fromJSON([], 'config.json'),
    oneSentence(/config\.json: expected a JSON object/),
  );
});
