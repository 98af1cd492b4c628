import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tokenizeDataset, type Example } from '../../src/data/dataset.js';
import { makeBatches, countBatches, type Batch } from '../../src/data/batch.js';
import { TextTokenizer } from '../../src/text/tokenizer.js';
import { Rng } from '../../src/tensor/random.js';

const tokenizer = TextTokenizer.fromVocab(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'a', 'b', 'c']);
/** [B, T], checked against every array's length so the flat layout holds. */
function shapeOf(batch: Batch): [number, number] {
  for (const array of [batch.inputIds, batch.attentionMask, batch.tokenTypeIds])
    assert.equal(array.length, batch.size * batch.length);
  assert.equal(batch.labels.length, batch.size);
  return [batch.size, batch.length];
}

const examples: Example[] = [
  { text: 'a', label: 0 },
  { text: 'a b c a b c', label: 1 },
  { text: 'b c', label: 2 },
  { text: 'c c c', label: 0 },
  { text: '', label: 1 },
];

test('tokenizeDataset tokenizes once, truncating to maxLength', () => {
  const progress: number[] = [];
  const data = tokenizeDataset(tokenizer, examples, {
    maxLength: 6,
    onProgress: (done) => progress.push(done),
    progressEvery: 2,
  });
  assert.deepEqual(Array.from(data.examples[0].ids), [2, 5, 3]);
  assert.deepEqual(Array.from(data.examples[1].ids), [2, 5, 6, 7, 5, 3]);
  assert.deepEqual(progress, [2, 4, 5]);
  assert.equal(data.padId, 0);
});

test('batches pad to their own longest sequence, with masks, token types and labels', () => {
  const data = tokenizeDataset(tokenizer, examples, { maxLength: 6 });
  const batches = [...makeBatches(data, { batchSize: 2 })];
  assert.equal(batches.length, 3);
  assert.equal(countBatches(5, 2), 3);
  const [first, second, last] = batches;
  assert.deepEqual(shapeOf(first), [2, 6]);
  assert.deepEqual(Array.from(first.inputIds), [2, 5, 3, 0, 0, 0, 2, 5, 6, 7, 5, 3]);
  assert.deepEqual(Array.from(first.attentionMask), [1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1, 1]);
  assert.deepEqual(Array.from(first.labels), [0, 1]);
  assert.deepEqual(shapeOf(second), [2, 5]);
  assert.deepEqual(Array.from(second.tokenTypeIds), [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  assert.equal(last.size, 1);
  assert.deepEqual(Array.from(last.inputIds), [2, 3]);
  assert.equal([...makeBatches(data, { batchSize: 2, dropLast: true })].length, 2);
});

test('a tokenizer that pads on the left (padding_side) gives training batches padded on the left', () => {
  const left = { padId: 0, paddingSide: 'left' as const, encode: tokenizer.encode.bind(tokenizer) };
  const data = tokenizeDataset(left, examples.slice(0, 2), { maxLength: 6 });
  assert.equal(data.paddingSide, 'left');
  const [batch] = makeBatches(data, { batchSize: 2 });
  assert.deepEqual(Array.from(batch.inputIds), [0, 0, 0, 2, 5, 3, 2, 5, 6, 7, 5, 3]);
  assert.deepEqual(Array.from(batch.attentionMask), [0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
  assert.equal(tokenizeDataset(tokenizer, examples, { maxLength: 6 }).paddingSide, 'right');
});

test('a maxLength cap keeps [CLS] … [SEP]', () => {
  const data = tokenizeDataset(tokenizer, examples, { maxLength: 16 });
  const [batch] = makeBatches(data.examples, { batchSize: 5, maxLength: 4 });
  assert.deepEqual(shapeOf(batch), [5, 4]);
  assert.deepEqual(Array.from(batch.inputIds.slice(4, 8)), [2, 5, 6, 3]);
});

test('shuffling is seeded, covers every example once, and differs between epochs', () => {
  const data = tokenizeDataset(tokenizer, examples, { maxLength: 8 });
  const sizes = (rng: Rng): number[] =>
    [...makeBatches(data, { batchSize: 2, shuffle: true, rng })].map((b) => b.size);
  const order = (rng: Rng): string[] =>
    [...makeBatches(data, { batchSize: 1, shuffle: true, rng })].map((b) => Array.from(b.inputIds).join(','));
  const rngA = new Rng(5);
  const rngB = new Rng(5);
  const first = order(rngA);
  assert.deepEqual(first, order(rngB));
  assert.deepEqual([...first].sort(), data.examples.map((e) => Array.from(e.ids).join(',')).sort());
  const epochs = Array.from({ length: 4 }, () => order(rngA).join('|'));
  assert.ok(new Set(epochs).size > 1);
  assert.deepEqual(sizes(new Rng(1)), [2, 2, 1]);
  assert.throws(() => [...makeBatches(data, { batchSize: 2, shuffle: true })], /needs an rng/);
  assert.throws(() => [...makeBatches(data, { batchSize: 0 })], RangeError);
});

test("a sentence pair's token type ids travel with its ids into the batch; padding keeps type 0", () => {
  // The checkpoint's post-processor joins a pair as [CLS] a [SEP] b c [SEP], the second part of type 1.
  const data = tokenizeDataset(
    tokenizer,
    [
      { text: 'a', textPair: 'b c', label: 0 },
      { text: 'c', label: 1 },
    ],
    { maxLength: 8 },
  );
  assert.deepEqual(Array.from(data.examples[0]!.ids), [2, 5, 3, 6, 7, 3]);
  assert.deepEqual(Array.from(data.examples[0]!.typeIds!), [0, 0, 0, 1, 1, 1]);
  assert.equal(data.examples[1]!.typeIds, undefined);
  const [batch] = [...makeBatches(data, { batchSize: 2 })];
  assert.deepEqual(shapeOf(batch!), [2, 6]);
  assert.deepEqual(Array.from(batch!.inputIds), [2, 5, 3, 6, 7, 3, 2, 7, 3, 0, 0, 0]);
  assert.deepEqual(Array.from(batch!.tokenTypeIds), [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0]);
  // A pair longer than maxLength is cut by the tokenizer, longest text first, keeping both [SEP]s.
  const cut = tokenizeDataset(tokenizer, [{ text: 'a', textPair: 'b c a b', label: 0 }], { maxLength: 6 });
  assert.deepEqual(Array.from(cut.examples[0]!.ids), [2, 5, 3, 6, 7, 3]);
  assert.deepEqual(Array.from(cut.examples[0]!.typeIds!), [0, 0, 0, 1, 1, 1]);
  // Capped again by the batch, the last position keeps the [SEP] and the segment it ends.
  const [short] = [...makeBatches(data, { batchSize: 1, maxLength: 4 })];
  assert.deepEqual(Array.from(short!.inputIds), [2, 5, 3, 3]);
  assert.deepEqual(Array.from(short!.tokenTypeIds), [0, 0, 0, 1]);
  // A tokenizer without pair encoding (a library user's own) refuses pairs in one sentence.
  const singleOnly = { padId: 0, encode: (text: string) => tokenizer.encode(text) };
  assert.throws(
    () => tokenizeDataset(singleOnly, [{ text: 'a', textPair: 'b', label: 0 }], { maxLength: 8 }),
    /cannot encode sentence pairs/,
  );
});
