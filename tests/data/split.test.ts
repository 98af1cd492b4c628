import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { stratifiedSplit, allocate } from '../../src/data/split.js';
import { Rng } from '../../src/tensor/random.js';

function labelsOf(counts: number[]): number[] {
  return counts.flatMap((count, label) => Array<number>(count).fill(label));
}

test('stratified split: sklearn sizes, proportional per class, disjoint and complete', () => {
  const counts = [1736, 1567, 1022, 737, 429, 257, 207, 67, 64];
  const labels = labelsOf(counts);
  const split = stratifiedSplit(labels, { testSize: 0.2, valSize: 0.1, rng: new Rng(42) });
  assert.equal(split.test.length, 1218); // ceil(0.2 · 6086)
  assert.equal(split.val.length, 609); // ceil(0.1 · 6086)
  assert.equal(split.train.length, 6086 - 1218 - 609);
  const all = [...split.train, ...split.val, ...split.test].sort((a, b) => a - b);
  assert.deepEqual(
    all,
    labels.map((_, i) => i),
  );
  counts.forEach((count, label) => {
    const inTest = split.test.filter((i) => labels[i] === label).length;
    assert.ok(Math.abs(inTest - 0.2 * count) <= 1, `class ${label}: ${inTest} of ${count} in test`);
  });
});

test('the same seed gives the same split; another seed another', () => {
  const labels = labelsOf([30, 20, 10]);
  const a = stratifiedSplit(labels, { testSize: 0.25, rng: new Rng(1) });
  const b = stratifiedSplit(labels, { testSize: 0.25, rng: new Rng(1) });
  const c = stratifiedSplit(labels, { testSize: 0.25, rng: new Rng(2) });
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.test, c.test);
  assert.deepEqual(a.val, []);
  assert.equal(a.test.length, 15);
});

test('a class of a million rows splits (no argument list as long as the class)', () => {
  const labels = labelsOf([1_000_000, 3]);
  const split = stratifiedSplit(labels, { testSize: 0.2, valSize: 0.1, rng: new Rng(42) });
  assert.equal(split.test.length, 200_001);
  assert.equal(split.val.length, 100_001);
  assert.equal(split.train.length + split.val.length + split.test.length, labels.length);
  assert.equal(new Set(split.train).size, split.train.length);
});

test('floating-point products do not round a row count up', () => {
  const split = stratifiedSplit(labelsOf([15, 15]), { testSize: 0.1, valSize: 0.1, rng: new Rng(3) }); // 0.1 · 30 = 3.0000000000000004
  assert.equal(split.test.length, 3);
  assert.equal(split.val.length, 3);
});

test('bad sizes and too few rows are user errors', () => {
  const rng = new Rng(0);
  assert.throws(() => stratifiedSplit([0, 1], { testSize: 1.5, rng }), {
    name: 'UserError',
    message: 'The test size must be between 0 and 1 (exclusive), got 1.5.',
  });
  assert.throws(() => stratifiedSplit([0, 1], { testSize: 0.6, valSize: 0.5, rng }), {
    name: 'UserError',
    message: /add up to less than 1/,
  });
  assert.throws(() => stratifiedSplit([0, 1], { testSize: 0.5, valSize: 0.4, rng }), {
    name: 'UserError',
    message: /no row would be left to train on/,
  });
});

test('allocate shares exactly the total, within capacities, close to proportional (property)', () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 1, max: 200 }), { minLength: 1, maxLength: 12 }),
      fc.double({ min: 0.01, max: 0.99, noNaN: true }),
      (counts, fraction) => {
        const n = counts.reduce((a, b) => a + b, 0);
        const total = Math.ceil(fraction * n - 1e-9);
        const share = allocate(counts, total, counts);
        assert.equal(
          share.reduce((a, b) => a + b, 0),
          total,
        );
        share.forEach((s, k) => {
          assert.ok(s >= 0 && s <= counts[k]);
          assert.ok(Math.abs(s - (total * counts[k]) / n) < 1 + 1e-9);
        });
      },
    ),
    { numRuns: 500, seed: 11 },
  );
});
