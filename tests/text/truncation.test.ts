import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { cappedLengthsSuffice, longestFirstLengths } from '../../src/text/truncation.js';

test('longest_first keeps a pair that fits, cuts only the longer text when that is enough', () => {
  assert.deepEqual(longestFirstLengths(3, 4, 7), [3, 4]);
  assert.deepEqual(longestFirstLengths(0, 9, 7), [0, 7]);
  assert.deepEqual(longestFirstLengths(2, 9, 7), [2, 5]);
  assert.deepEqual(longestFirstLengths(9, 2, 7), [5, 2]);
  // BERT's golden truncated pair: 21 and 2 content tokens in 12 − 3 = 9.
  assert.deepEqual(longestFirstLengths(21, 2, 9), [7, 2]);
});

test('longest_first shares the budget when both texts are cut, the odd token going to the longer one', () => {
  assert.deepEqual(longestFirstLengths(4, 4, 7), [3, 4], 'a tie: the second text keeps the odd token');
  assert.deepEqual(longestFirstLengths(8, 4, 7), [4, 3]);
  assert.deepEqual(longestFirstLengths(4, 8, 7), [3, 4]);
  assert.deepEqual(longestFirstLengths(9, 8, 7), [4, 3]);
  assert.deepEqual(longestFirstLengths(8, 9, 7), [3, 4]);
  assert.deepEqual(longestFirstLengths(9, 8, 8), [4, 4]);
  assert.deepEqual(longestFirstLengths(5, 6, 0), [0, 0]);
});

test('longest_first results fit, never grow a text, and use the whole budget when cutting', () => {
  fc.assert(
    fc.property(fc.nat(60), fc.nat(60), fc.nat(40), (a, b, budget) => {
      const [keepA, keepB] = longestFirstLengths(a, b, budget);
      assert.ok(keepA <= a && keepB <= b);
      if (a + b <= budget) assert.deepEqual([keepA, keepB], [a, b]);
      else assert.equal(keepA + keepB, budget);
    }),
    { numRuns: 2000, seed: 7 },
  );
});

test('lengths capped at budget + 1 give the same cut unless cappedLengthsSuffice says otherwise', () => {
  fc.assert(
    fc.property(fc.nat(60), fc.nat(60), fc.nat(40), (a, b, budget) => {
      const cappedA = Math.min(a, budget + 1);
      const cappedB = Math.min(b, budget + 1);
      if (cappedLengthsSuffice(cappedA, cappedB, budget)) {
        assert.deepEqual(longestFirstLengths(cappedA, cappedB, budget), longestFirstLengths(a, b, budget));
      }
    }),
    { numRuns: 5000, seed: 11 },
  );
  // The one case that needs the true lengths: both over an odd budget, of different lengths.
  assert.equal(cappedLengthsSuffice(8, 8, 7), false);
  assert.notDeepEqual(longestFirstLengths(9, 8, 7), longestFirstLengths(8, 8, 7));
  assert.equal(cappedLengthsSuffice(9, 9, 8), true);
});
