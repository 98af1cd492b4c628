import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyTemplate, enclosingTokens, specialCount, templateOf } from '../../src/text/special-template.js';

const A = [10, 11];
const B = [20];

test('BertProcessing: [CLS] A [SEP] B [SEP], the second text and its [SEP] of type 1', () => {
  const t = templateOf({ type: 'BertProcessing', cls: ['[CLS]', 2], sep: ['[SEP]', 3] }, 'x');
  assert.deepEqual(applyTemplate(t.single, A), { ids: [2, 10, 11, 3], tokenTypeIds: [0, 0, 0, 0] });
  assert.deepEqual(applyTemplate(t.pair, A, B), {
    ids: [2, 10, 11, 3, 20, 3],
    tokenTypeIds: [0, 0, 0, 0, 1, 1],
  });
  assert.deepEqual([specialCount(t.single), specialCount(t.pair)], [2, 3]);
  assert.deepEqual(enclosingTokens(t), { first: '[CLS]', last: '[SEP]' });
});

test('RobertaProcessing: <s> A </s></s> B </s>, every token of type 0', () => {
  const t = templateOf({ type: 'RobertaProcessing', cls: ['<s>', 0], sep: ['</s>', 2] }, 'x');
  assert.deepEqual(applyTemplate(t.pair, A, B), {
    ids: [0, 10, 11, 2, 2, 20, 2],
    tokenTypeIds: [0, 0, 0, 0, 0, 0, 0],
  });
  assert.deepEqual([specialCount(t.single), specialCount(t.pair)], [2, 4]);
});

test('TemplateProcessing as written, a special token of several ids included', () => {
  const t = templateOf(
    {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
      pair: [
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '<sep2>', type_id: 1 } },
        { Sequence: { id: 'B', type_id: 2 } },
      ],
      special_tokens: {
        '[CLS]': { id: '[CLS]', ids: [5], tokens: ['[CLS]'] },
        '<sep2>': { id: '<sep2>', ids: [7, 8], tokens: ['<a>', '<b>'] },
      },
    },
    'x',
  );
  assert.deepEqual(applyTemplate(t.single, A), { ids: [5, 10, 11], tokenTypeIds: [0, 0, 0] });
  assert.deepEqual(applyTemplate(t.pair, A, B), { ids: [10, 11, 7, 8, 20], tokenTypeIds: [0, 0, 1, 1, 2] });
  assert.deepEqual([specialCount(t.single), specialCount(t.pair)], [1, 2]);
  assert.deepEqual(enclosingTokens(t), { first: '[CLS]', last: undefined });
});

test('no post-processor, ByteLevel, or a Sequence around one template', () => {
  for (const none of [null, { type: 'ByteLevel', trim_offsets: true }]) {
    const t = templateOf(none, 'x');
    assert.deepEqual(applyTemplate(t.pair, A, B), { ids: [10, 11, 20], tokenTypeIds: [0, 0, 1] });
    assert.equal(specialCount(t.pair), 0);
  }
  const t = templateOf(
    {
      type: 'Sequence',
      processors: [{ type: 'ByteLevel' }, { type: 'RobertaProcessing', cls: ['<s>', 0], sep: ['</s>', 2] }],
    },
    'x',
  );
  assert.deepEqual(applyTemplate(t.single, A).ids, [0, 10, 11, 2]);
});

test('what cannot be applied is refused in one sentence', () => {
  assert.throws(() => templateOf({ type: 'Shout' }, 'dir/tokenizer.json'), {
    name: 'UserError',
    message: /^dir\/tokenizer\.json has a post_processor of type Shout, which LoRA Lab cannot apply/,
  });
  assert.throws(() => templateOf({ type: 'BertProcessing', cls: '[CLS]', sep: ['[SEP]', 3] }, 'x'), {
    message: "x: the post_processor's cls must be a [token, id] pair.",
  });
  assert.throws(
    () =>
      templateOf(
        {
          type: 'TemplateProcessing',
          single: [{ SpecialToken: { id: '[X]', type_id: 0 } }],
          pair: [],
          special_tokens: {},
        },
        'x',
      ),
    { message: "x: the post_processor's template uses [X], which its special_tokens do not define." },
  );
  const twice = { type: 'RobertaProcessing', cls: ['<s>', 0], sep: ['</s>', 2] };
  assert.throws(
    () => templateOf({ type: 'Sequence', processors: [twice, twice] }, 'x'),
    /adds special tokens twice/,
  );
});
