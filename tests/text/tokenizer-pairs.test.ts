import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TextTokenizer } from '../../src/text/tokenizer.js';
import { longestFirstLengths } from '../../src/text/truncation.js';

// [PAD] 0, [UNK] 1, [CLS] 2, [SEP] 3, [MASK] 4, then words.
const VOCAB = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'the', 'debt', 'fee', 'a', 'b', '##s', '.'];

function tiny(): TextTokenizer {
  return TextTokenizer.fromVocab(VOCAB);
}

test('encodePair: [CLS] A [SEP] B [SEP] with the second part of type 1', () => {
  assert.deepEqual(tiny().encodePair('the debt', 'fees.'), {
    ids: [2, 5, 6, 3, 7, 10, 11, 3],
    tokenTypeIds: [0, 0, 0, 0, 1, 1, 1, 1],
  });
  assert.deepEqual(tiny().encodePair('', ''), { ids: [2, 3, 3], tokenTypeIds: [0, 0, 1] });
});

test('encodePair cuts the longer text first and keeps every special token', () => {
  const tok = tiny();
  // 6 and 2 content tokens into 8 − 3 = 5: only the first text is cut.
  assert.deepEqual(tok.encodePair('a a a a a a', 'b b', { maxLength: 8 }).ids, [2, 8, 8, 8, 3, 9, 9, 3]);
  // 4 and 4 into 7 − 3 = 4: both are cut, to 2 and 2.
  assert.deepEqual(tok.encodePair('a a a a', 'b b b b', { maxLength: 7 }).ids, [2, 8, 8, 3, 9, 9, 3]);
  // An odd budget of 3 goes 1 + 2 on a tie, and to the longer text otherwise.
  assert.deepEqual(tok.encodePair('a a a a', 'b b b b', { maxLength: 6 }).ids, [2, 8, 3, 9, 9, 3]);
  assert.deepEqual(tok.encodePair('a a a a a', 'b b b b', { maxLength: 6 }).ids, [2, 8, 8, 3, 9, 3]);
  assert.deepEqual(tok.encodePair('a a', 'b b', { maxLength: 3 }).ids, [2, 3, 3]);
  assert.deepEqual(tok.encodePair('a a a a', 'b', { maxLength: 6, truncation: false }).ids.length, 8);
  assert.throws(() => tok.encodePair('a', 'b', { maxLength: 2 }), {
    name: 'UserError',
    message: 'maxLength must be an integer of at least 3 (room for its 3 special tokens), got 2.',
  });
});

test('huge pairs are cut by prefixes yet equal cutting the full encodings (property)', () => {
  const tok = tiny();
  const piece = fc.constantFrom('the', 'debt', 'fees', 'a', ' ', '  ', '\n', '.', 'zz', 'ab'.repeat(30));
  const text = fc.array(piece, { maxLength: 400 }).map((pieces) => pieces.join(' '));
  // What the tokenizers library sees of a text it cuts to maxLength: whole words until maxLength tokens.
  const seen = (words: string, maxLength: number): number => {
    let total = 0;
    for (const word of words.split(/\s+/u).filter(Boolean)) {
      total += tok.encode(word).length - 2;
      if (total >= maxLength) break;
    }
    return total;
  };
  fc.assert(
    fc.property(text, text, fc.integer({ min: 3, max: 40 }), (first, second, maxLength) => {
      const a = tok.encode(first).slice(1, -1);
      const b = tok.encode(second).slice(1, -1);
      const [keepA, keepB] = longestFirstLengths(
        seen(first, maxLength),
        seen(second, maxLength),
        maxLength - 3,
      );
      const expected = [2, ...a.slice(0, keepA), 3, ...b.slice(0, keepB), 3];
      assert.deepEqual(tok.encodePair(first, second, { maxLength }).ids, expected);
    }),
    { numRuns: 200, seed: 3 },
  );
});

test('both texts longer than an odd budget: the odd token goes by the lengths the library sees', () => {
  const tok = tiny();
  const long = 'a '.repeat(3000);
  const longer = 'b '.repeat(3001);
  // 8 − 3 = 5 is odd. Both texts look 8 tokens long to a tokenizer that stops at max_length tokens,
  // so it is a tie either way round: the second text keeps the odd token.
  assert.deepEqual(tok.encodePair(long, longer, { maxLength: 8 }).ids, [2, 8, 8, 3, 9, 9, 9, 3]);
  assert.deepEqual(tok.encodePair(longer, long, { maxLength: 8 }).ids, [2, 9, 9, 3, 8, 8, 8, 3]);
  // 9 and 7 one-token words: seen as 8 and 7, so the first (longer) text keeps it.
  assert.deepEqual(
    tok.encodePair('a '.repeat(9), 'b '.repeat(7), { maxLength: 8 }).ids,
    [2, 8, 8, 8, 3, 9, 9, 3],
  );
  // A two-token word that crosses max_length makes the first text look longer (9) than the second (8).
  assert.deepEqual(
    tok.encodePair('a a a a a a a fees', 'b '.repeat(20), { maxLength: 8 }).ids,
    [2, 8, 8, 8, 3, 9, 9, 3],
  );
});

test('encodeBatch pads singles and pairs together, with their token types', () => {
  const batch = tiny().encodeBatch([
    'the debt',
    { text: 'a', textPair: 'b b' },
    { text: 'fee', textPair: null },
  ]);
  assert.equal(batch.length, 6);
  assert.deepEqual(Array.from(batch.inputIds), [
    ...[2, 5, 6, 3, 0, 0],
    ...[2, 8, 3, 9, 9, 3],
    ...[2, 7, 3, 0, 0, 0],
  ]);
  assert.deepEqual(Array.from(batch.tokenTypeIds), [
    ...[0, 0, 0, 0, 0, 0],
    ...[0, 0, 0, 1, 1, 1],
    ...[0, 0, 0, 0, 0, 0],
  ]);
  assert.deepEqual(Array.from(batch.attentionMask.subarray(12, 18)), [1, 1, 1, 0, 0, 0]);
  const input = { text: 'the debt', textPair: 'fees.' };
  assert.deepEqual(tiny().encodeInput(input), tiny().encodePair(input.text, input.textPair));
  assert.deepEqual(tiny().encodeInput('the').ids, tiny().encode('the'));
});
