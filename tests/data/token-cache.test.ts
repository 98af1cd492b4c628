import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tokenizeDataset, type Example, type TokenizerLike } from '../../src/data/dataset.js';
import {
  cacheKey,
  decodeEntry,
  encodeEntry,
  tokenizeWithCache,
  type TokenCacheStore,
} from '../../src/data/token-cache.js';
import { TextTokenizer } from '../../src/text/tokenizer.js';
import { TINY_VOCAB } from '../helpers/tiny-model.js';

const EXAMPLES: Example[] = [
  { text: 'the collector called about a debt i do not owe', label: 1 },
  { text: 'my mortgage payment went to escrow', label: 2 },
  { text: 'the card statement charged a late fee and interest', label: 0 },
  { text: '', label: 0 },
  { text: 'told the company to stop calling my phone, they kept calling and calling', label: 1 },
];

/** A store in memory that counts its reads and writes. */
function memoryStore(): TokenCacheStore & { files: Map<string, Uint8Array>; writes: number } {
  const files = new Map<string, Uint8Array>();
  return {
    files,
    writes: 0,
    read(name) {
      return files.get(name) ?? null;
    },
    write(name, bytes) {
      this.writes++;
      files.set(name, Uint8Array.from(bytes));
    },
  };
}

/** The tokenizer, with a count of the texts it was asked to encode. */
function countingTokenizer(): TokenizerLike & { encoded: number } {
  const inner = TextTokenizer.fromVocab(TINY_VOCAB);
  return {
    encoded: 0,
    padId: inner.padId,
    encode(text, options) {
      this.encoded++;
      return inner.encode(text, options);
    },
    encodePair(text, pair, options) {
      this.encoded++;
      return inner.encodePair(text, pair, options);
    },
  };
}

const idsOf = (dataset: { examples: { ids: Int32Array }[] }): number[][] =>
  dataset.examples.map((e) => [...e.ids]);

test('a second tokenization of the same texts is read from the cache: same ids, nothing encoded', () => {
  const store = memoryStore();
  const tokenizer = countingTokenizer();
  const options = { maxLength: 8, tokenizerKey: 'tiny', store, name: 'train' };
  const first = tokenizeWithCache(tokenizer, EXAMPLES, options);
  assert.equal(first.hit, false);
  assert.equal(tokenizer.encoded, EXAMPLES.length);
  assert.equal(store.writes, 1);
  const expected = tokenizeDataset(TextTokenizer.fromVocab(TINY_VOCAB), EXAMPLES, { maxLength: 8 });
  assert.deepEqual(idsOf(first.dataset), idsOf(expected));
  assert.ok(
    first.dataset.examples.some((e) => e.ids.length === 8),
    'a text longer than the maximum is cut',
  );

  const second = tokenizeWithCache(tokenizer, EXAMPLES, options);
  assert.equal(second.hit, true);
  assert.equal(tokenizer.encoded, EXAMPLES.length, 'the hit encoded nothing');
  assert.equal(store.writes, 1, 'a hit writes nothing');
  assert.deepEqual(idsOf(second.dataset), idsOf(expected));
  assert.deepEqual(
    second.dataset.examples.map((e) => e.label),
    EXAMPLES.map((e) => e.label),
  );
  assert.equal(second.dataset.maxLength, 8);
  assert.equal(second.dataset.padId, expected.padId);
  for (const e of second.dataset.examples) assert.ok(e.ids instanceof Int32Array);
});

test('a changed text, tokenizer or maximum length is a miss; a changed label alone is a hit with the new labels', () => {
  const store = memoryStore();
  const tokenizer = countingTokenizer();
  const base = { maxLength: 8, tokenizerKey: 'tiny', store, name: 'train' };
  tokenizeWithCache(tokenizer, EXAMPLES, base);

  const changedText = EXAMPLES.map((e, i) => (i === 2 ? { ...e, text: `${e.text} again` } : e));
  assert.equal(tokenizeWithCache(tokenizer, changedText, base).hit, false, 'changed text');
  // The entry was replaced: the old texts now miss, and once more the new ones hit.
  assert.equal(store.files.size, 1, 'one entry per split, tokenizer and length');
  assert.equal(tokenizeWithCache(tokenizer, changedText, base).hit, true);
  assert.equal(tokenizeWithCache(tokenizer, EXAMPLES, base).hit, false, 'back to the first texts');

  assert.equal(tokenizeWithCache(tokenizer, EXAMPLES.slice(0, 4), base).hit, false, 'a row fewer');
  assert.equal(
    tokenizeWithCache(tokenizer, [...EXAMPLES].reverse(), base).hit,
    false,
    'same texts, another order',
  );
  assert.equal(
    tokenizeWithCache(tokenizer, EXAMPLES, { ...base, tokenizerKey: 'other' }).hit,
    false,
    'another tokenizer',
  );
  assert.equal(tokenizeWithCache(tokenizer, EXAMPLES, { ...base, maxLength: 16 }).hit, false, 'longer');

  tokenizeWithCache(tokenizer, EXAMPLES, base);
  const relabelled = EXAMPLES.map((e) => ({ ...e, label: 7 }));
  const hit = tokenizeWithCache(tokenizer, relabelled, base);
  assert.equal(hit.hit, true);
  assert.deepEqual(
    hit.dataset.examples.map((e) => e.label),
    [7, 7, 7, 7, 7],
  );
});

test('texts are keyed with their lengths and pairs: moving characters between texts changes the key', () => {
  const key = (examples: Example[]): string => cacheKey(examples, 'tiny', 8);
  const a = key([
    { text: 'ab', label: 0 },
    { text: 'c', label: 0 },
  ]);
  const b = key([
    { text: 'a', label: 0 },
    { text: 'bc', label: 0 },
  ]);
  assert.notEqual(a, b);
  const pair = (second: string | undefined): Example => ({ text: 'a', textPair: second, label: 0 });
  assert.notEqual(key([pair('b')]), key([pair(undefined)]));
  assert.notEqual(key([pair('b')]), key([pair('c')]));
  assert.notEqual(key([pair('')]), key([pair(undefined)]));
  assert.equal(key([pair('b')]), key([pair('b')]));
  assert.notEqual(cacheKey(EXAMPLES, 'tiny', 8), cacheKey(EXAMPLES, 'tiny', 9));
  assert.notEqual(cacheKey(EXAMPLES, 'tiny', 8), cacheKey(EXAMPLES, 'tiny2', 8));
});

test('a corrupt entry is a miss, never a failure, and is replaced by a whole one', () => {
  const tokenizer = countingTokenizer();
  const fresh = memoryStore();
  const options = { maxLength: 8, tokenizerKey: 'tiny', name: 'test' };
  tokenizeWithCache(tokenizer, EXAMPLES, { ...options, store: fresh });
  const [[name, good]] = [...fresh.files];
  const expected = idsOf(tokenizeDataset(TextTokenizer.fromVocab(TINY_VOCAB), EXAMPLES, { maxLength: 8 }));

  const flipped = Uint8Array.from(good);
  flipped[Math.floor(good.length / 2)] ^= 0x01;
  const damaged: Record<string, Uint8Array> = {
    empty: new Uint8Array(0),
    'cut short': good.subarray(0, good.length - 9),
    'one bit flipped': flipped,
    'text instead': new TextEncoder().encode('not a cache entry at all'),
    'longer by a byte': Uint8Array.from([...good, 0]),
  };
  for (const [what, bytes] of Object.entries(damaged)) {
    const store = memoryStore();
    store.files.set(name, bytes);
    const result = tokenizeWithCache(tokenizer, EXAMPLES, { ...options, store });
    assert.equal(result.hit, false, what);
    assert.deepEqual(idsOf(result.dataset), expected, what);
    assert.deepEqual(store.files.get(name), good, `${what}: replaced by a whole entry`);
    assert.equal(tokenizeWithCache(tokenizer, EXAMPLES, { ...options, store }).hit, true, what);
  }

  const unreadable: TokenCacheStore = {
    read: () => {
      throw new Error('EIO: i/o error');
    },
    write: () => undefined,
  };
  assert.equal(tokenizeWithCache(tokenizer, EXAMPLES, { ...options, store: unreadable }).hit, false);
});

test('a cache that cannot be written costs time, not the result, and says why', () => {
  const store: TokenCacheStore = {
    read: () => null,
    write: () => {
      throw new Error("EACCES: permission denied, open '/data/.token-cache/x'");
    },
  };
  const result = tokenizeWithCache(countingTokenizer(), EXAMPLES, {
    maxLength: 8,
    tokenizerKey: 'tiny',
    store,
    name: 'train',
  });
  assert.equal(result.hit, false);
  assert.equal(result.dataset.examples.length, EXAMPLES.length);
  assert.match(result.writeError ?? '', /EACCES/);
});

test('an entry holds token type ids when the examples have them, and reads back exactly', () => {
  const examples = [
    { ids: Int32Array.from([2, 10, 3, 11, 3]), typeIds: Int32Array.from([0, 0, 0, 1, 1]), label: 0 },
    { ids: Int32Array.from([2, 3]), typeIds: Int32Array.from([0, 0]), label: 1 },
    { ids: Int32Array.from([2, -1, 2147483647, 3]), typeIds: Int32Array.from([0, 1, 1, 1]), label: 0 },
  ];
  const bytes = encodeEntry('k', examples);
  const back = decodeEntry(bytes, 'k', 3);
  assert.ok(back);
  assert.deepEqual(
    back.ids.map((ids) => [...ids]),
    examples.map((e) => [...e.ids]),
  );
  assert.deepEqual(
    back.typeIds?.map((ids) => [...ids]),
    examples.map((e) => [...e.typeIds]),
  );
  assert.equal(decodeEntry(bytes, 'other key', 3), null, 'another key');
  assert.equal(decodeEntry(bytes, 'k', 2), null, 'another count');
  // A copy at an odd offset (as a file read into a pooled buffer can be) reads back the same.
  const shifted = new Uint8Array(bytes.length + 1);
  shifted.set(bytes, 1);
  assert.deepEqual(
    decodeEntry(shifted.subarray(1), 'k', 3)?.ids.map((ids) => [...ids]),
    examples.map((e) => [...e.ids]),
  );

  const single = decodeEntry(encodeEntry('k', [{ ids: Int32Array.from([2, 3]), label: 0 }]), 'k', 1);
  assert.equal(single?.typeIds, null, 'single texts store no type ids');
  const none = decodeEntry(encodeEntry('k', []), 'k', 0);
  assert.deepEqual(none, { ids: [], typeIds: null }, 'an empty split');
});

test('sentence pairs: ids and token type ids come back from the cache; a changed second text is a miss', () => {
  const pairs: Example[] = [
    { text: 'the card has a fee', textPair: 'a fee on the card', label: 1 },
    { text: 'my mortgage payment', textPair: 'the collector called about a debt i do not owe', label: 0 },
    { text: '', textPair: 'escrow', label: 1 },
  ];
  const store = memoryStore();
  const tokenizer = countingTokenizer();
  const options = { maxLength: 10, tokenizerKey: 'tiny', store, name: 'train' };
  const expected = tokenizeDataset(TextTokenizer.fromVocab(TINY_VOCAB), pairs, { maxLength: 10 });
  assert.ok(
    expected.examples.every((e) => e.typeIds?.includes(1)),
    'the pairs have second segments',
  );
  const typeIdsOf = (d: { examples: { typeIds?: Int32Array }[] }): (number[] | undefined)[] =>
    d.examples.map((e) => (e.typeIds ? [...e.typeIds] : undefined));

  const cold = tokenizeWithCache(tokenizer, pairs, options);
  const warm = tokenizeWithCache(tokenizer, pairs, options);
  assert.deepEqual([cold.hit, warm.hit], [false, true]);
  assert.equal(tokenizer.encoded, pairs.length);
  assert.deepEqual(idsOf(warm.dataset), idsOf(expected));
  assert.deepEqual(typeIdsOf(warm.dataset), typeIdsOf(expected));

  const otherSecond = pairs.map((e, i) => (i === 1 ? { ...e, textPair: 'my mortgage payment' } : e));
  assert.equal(tokenizeWithCache(tokenizer, otherSecond, options).hit, false);

  // Pairs and single texts in one split: tokenized right, and not cached.
  const mixed = [...pairs, { text: 'the card has a fee', label: 0 }];
  const mixedStore = memoryStore();
  for (let i = 0; i < 2; i++) {
    const result = tokenizeWithCache(tokenizer, mixed, { ...options, store: mixedStore });
    assert.equal(result.hit, false);
    assert.deepEqual(
      typeIdsOf(result.dataset),
      typeIdsOf(tokenizeDataset(TextTokenizer.fromVocab(TINY_VOCAB), mixed, { maxLength: 10 })),
    );
  }
  assert.equal(mixedStore.writes, 0);
});
