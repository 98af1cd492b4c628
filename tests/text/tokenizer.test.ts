import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { TextTokenizer } from '../../src/text/tokenizer.js';
import type { PaddedBatch } from '../../src/text/pad.js';
import { UserError } from '../../src/errors.js';

// A small WordPiece vocabulary: enough to exercise sub-words, [UNK], punctuation and CJK splitting.
const VOCAB = [
  '[PAD]',
  '[UNK]',
  '[CLS]',
  '[SEP]',
  '[MASK]',
  'the',
  'debt',
  'collect',
  '##or',
  '##ion',
  '##s',
  'credit',
  'report',
  'a',
  'b',
  'ab',
  '##a',
  '##b',
  '.',
  ',',
  '!',
  '/',
  'x',
  '##x',
  '1',
  '##1',
  '2',
  'cafe',
  '日',
  '本',
];

function tiny(): TextTokenizer {
  return TextTokenizer.fromVocab(VOCAB);
}

function withTempDir(body: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'lora-lab-tok-'));
  try {
    body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('encode adds [CLS]/[SEP], lower-cases, strips accents, splits punctuation and sub-words', () => {
  const tok = tiny();
  assert.deepEqual(tok.tokenize('The Collectors, CAFÉ! 日本'), [
    'the',
    'collect',
    '##or',
    '##s',
    ',',
    'cafe',
    '!',
    '日',
    '本',
  ]);
  assert.deepEqual(tok.encode('Debt collection'), [2, 6, 7, 9, 3]);
  assert.deepEqual(tok.encode('zzz'), [2, 1, 3]);
  assert.deepEqual(tok.encode(''), [2, 3]);
});

test('vocabulary accessors', () => {
  const tok = tiny();
  assert.equal(tok.vocabSize, VOCAB.length);
  assert.equal(tok.tokenToId('debt'), 6);
  assert.equal(tok.tokenToId('nope'), undefined);
  assert.equal(tok.idToToken(7), 'collect');
  assert.equal(tok.idToToken(999), undefined);
  assert.deepEqual([tok.padId, tok.unkId, tok.clsId, tok.sepId, tok.maskId], [0, 1, 2, 3, 4]);
  assert.equal(tok.decode(tok.encode('the debt collector')), 'the debt collector');
});

test('truncation keeps [CLS] … [SEP] and the first tokens', () => {
  const tok = tiny();
  const full = tok.encode('the debt the debt the debt');
  assert.equal(full.length, 8);
  assert.deepEqual(tok.encode('the debt the debt the debt', { maxLength: 5 }), [2, 5, 6, 5, 3]);
  assert.deepEqual(tok.encode('the debt the debt the debt', { maxLength: 8 }), full);
  assert.deepEqual(tok.encode('the debt the debt the debt', { maxLength: 100 }), full);
  assert.deepEqual(tok.encode('the debt', { maxLength: 2 }), [2, 3]);
  assert.deepEqual(tok.encode('the debt the debt the debt', { maxLength: 5, truncation: false }), full);
  assert.throws(() => tok.encode('x', { maxLength: 1 }), UserError);
  assert.throws(() => tok.encode('x', { maxLength: 3.5 }), UserError);
});

test('truncated encodings equal the prefix of the full encoding (property)', () => {
  const tok = tiny();
  const piece = fc.constantFrom(
    'the',
    'debt',
    'Collectors',
    'ab',
    'aab',
    'x/x',
    '1,2',
    'zz',
    '日本',
    ' ',
    '  ',
    '\n',
    '\r\n',
    '\t',
    '.',
    'a'.repeat(120),
  );
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 60 }), fc.integer({ min: 2, max: 40 }), (pieces, maxLength) => {
      const text = pieces.join('');
      const full = tok.encode(text);
      const expected = full.length <= maxLength ? full : [...full.slice(0, maxLength - 1), tok.sepId];
      assert.deepEqual(tok.encode(text, { maxLength }), expected);
    }),
    { numRuns: 300, seed: 42 },
  );
});

test('huge inputs are cut to a character budget yet stay exact, even with a long unbroken word first', () => {
  const tok = tiny();
  const unbroken = 'ab'.repeat(50_000); // one 100,000-character word: a single [UNK]
  const prose = 'the debt collectors, credit report. '.repeat(5_000); // about 180 kB
  for (const text of [prose, `${unbroken} ${prose}`, `${' '.repeat(100_000)}${prose}`]) {
    const full = tok.encode(text);
    for (const maxLength of [2, 16, 128, 512]) {
      assert.deepEqual(tok.encode(text, { maxLength }), [...full.slice(0, maxLength - 1), tok.sepId]);
    }
  }
  // A 5 MB narrative with a max length finishes (no timing is asserted, but this would take seconds untruncated).
  const fiveMb = 'the debt collector '.repeat(270_000);
  assert.equal(tok.encode(fiveMb, { maxLength: 128 }).length, 128);
});

/** [B, T], checked against every array's length so the flat layout holds. */
function shapeOf(batch: PaddedBatch): [number, number] {
  for (const array of [batch.inputIds, batch.attentionMask, batch.tokenTypeIds])
    assert.equal(array.length, batch.size * batch.length);
  return [batch.size, batch.length];
}

test('encodeBatch pads to the longest row or to maxLength, with masks and token types', () => {
  const tok = tiny();
  const texts = ['the debt', 'the debt the debt the debt', ''];
  const longest = tok.encodeBatch(texts);
  assert.deepEqual(shapeOf(longest), [3, 8]);
  assert.deepEqual(Array.from(longest.inputIds.slice(0, 8)), [2, 5, 6, 3, 0, 0, 0, 0]);
  assert.deepEqual(Array.from(longest.attentionMask.slice(0, 8)), [1, 1, 1, 1, 0, 0, 0, 0]);
  assert.deepEqual(Array.from(longest.inputIds.slice(16)), [2, 3, 0, 0, 0, 0, 0, 0]);
  assert.ok(longest.tokenTypeIds.every((v) => v === 0));

  const capped = tok.encodeBatch(texts, { maxLength: 6 });
  assert.deepEqual(shapeOf(capped), [3, 6]);
  assert.deepEqual(Array.from(capped.inputIds.slice(6, 12)), [2, 5, 6, 5, 6, 3]);

  const fixed = tok.encodeBatch(texts, { maxLength: 10, padding: 'max_length' });
  assert.deepEqual(shapeOf(fixed), [3, 10]);
  assert.deepEqual(Array.from(fixed.attentionMask.slice(10, 20)), [1, 1, 1, 1, 1, 1, 1, 1, 0, 0]);

  assert.throws(() => tok.encodeBatch(texts, { padding: 'max_length' }), /needs a maxLength/);
  assert.throws(
    () => tok.encodeBatch(texts, { maxLength: 4, padding: 'max_length', truncation: false }),
    /more than maxLength 4/,
  );
  assert.deepEqual(shapeOf(tok.encodeBatch([])), [0, 0]);
});

test('fromDirectory: vocab.txt only, with CRLF lines and tokenizer_config settings; its files to save', () => {
  withTempDir((dir) => {
    writeFileSync(join(dir, 'vocab.txt'), `${VOCAB.join('\r\n')}\r\n`);
    const lower = TextTokenizer.fromDirectory(dir, { fallback: 'wordpiece' });
    assert.equal(lower.source, 'vocab.txt');
    assert.deepEqual(lower.encode('The DEBT'), [2, 5, 6, 3]);

    writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ do_lower_case: false }));
    const cased = TextTokenizer.fromDirectory(dir, { fallback: 'wordpiece' });
    assert.deepEqual(cased.encode('The debt'), [2, 1, 6, 3]);

    // What src/io/tokenizer-files.ts writes (tests/io/tokenizer-files.test.ts reloads it).
    assert.equal(cased.vocabText(), `${VOCAB.join('\n')}\n`);
    assert.equal(cased.tokenizerConfig.do_lower_case, false);
    assert.equal(cased.tokenizerJson.model.type, 'WordPiece');
    assert.deepEqual(
      cased.tokenizerJson.model.vocab,
      Object.fromEntries(VOCAB.map((token, id) => [token, id])),
    );
    assert.equal(cased.tokenizerJson.normalizer?.lowercase, false);
  });
});

test('fromDirectory explains what is wrong in one sentence', () => {
  withTempDir((dir) => {
    assert.throws(() => TextTokenizer.fromDirectory(join(dir, 'missing'), { fallback: 'wordpiece' }), {
      name: 'UserError',
      message: /does not exist\.$/,
    });
    assert.throws(() => TextTokenizer.fromDirectory(dir, { fallback: 'wordpiece' }), {
      name: 'UserError',
      message: /neither tokenizer\.json nor vocab\.txt/,
    });
    writeFileSync(join(dir, 'vocab.txt'), 'a\nb\n[CLS]\n[SEP]\n[UNK]\n');
    assert.throws(() => TextTokenizer.fromDirectory(dir, { fallback: 'wordpiece' }), {
      name: 'UserError',
      message: /has no \[PAD\] token, which a WordPiece tokenizer needs/,
    });
    const bad = join(dir, 'bad');
    mkdirSync(bad);
    writeFileSync(join(bad, 'tokenizer.json'), '{not json');
    assert.throws(() => TextTokenizer.fromDirectory(bad, { fallback: 'wordpiece' }), {
      name: 'UserError',
      message: /is not valid JSON/,
    });
    writeFileSync(join(bad, 'tokenizer.json'), JSON.stringify({ version: '1.0' }));
    assert.throws(() => TextTokenizer.fromDirectory(bad, { fallback: 'wordpiece' }), {
      name: 'UserError',
      message: /has no model vocabulary, so it is not a tokenizer\.json\.$/,
    });
    const definition = { ...TextTokenizer.fromVocab(VOCAB).tokenizerJson, normalizer: { type: 'Shout' } };
    writeFileSync(join(bad, 'tokenizer.json'), JSON.stringify(definition));
    assert.throws(() => TextTokenizer.fromDirectory(bad, { fallback: 'wordpiece' }), {
      name: 'UserError',
      message: /could not be read as a tokenizer \(Unknown Normalizer type: Shout\)\.$/,
    });
    const unpadded = { ...TextTokenizer.fromVocab(VOCAB).tokenizerJson };
    writeFileSync(join(bad, 'tokenizer.json'), JSON.stringify(unpadded));
    writeFileSync(join(bad, 'tokenizer_config.json'), JSON.stringify({ pad_token: '<pad>' }));
    assert.throws(() => TextTokenizer.fromDirectory(bad, { fallback: 'wordpiece' }), {
      name: 'UserError',
      message: /has no <pad> token, its padding token\.$/,
    });
    writeFileSync(join(bad, 'tokenizer_config.json'), JSON.stringify({ pad_token: null }));
    assert.throws(() => TextTokenizer.fromDirectory(bad, { fallback: 'wordpiece' }), {
      name: 'UserError',
      message: /names no padding token/,
    });
  });
});
