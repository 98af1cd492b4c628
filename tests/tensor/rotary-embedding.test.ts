import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useKernels } from '../../src/kernels/active.js';
import { createReferenceKernels } from '../../src/kernels/reference/index.js';
import { UserError } from '../../src/errors.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { rotaryEmbedding } from '../../src/tensor/ops/rotary-embedding.js';
import { rotaryTables } from '../../src/models/modernbert/rotary.js';
import { assertClose, gradcheck, randomTensor } from '../helpers/gradcheck.js';

useKernels(createReferenceKernels());

test('rotaryEmbedding rotates each head as [x₁, x₂]·cos + [−x₂, x₁]·sin (halves, not interleaved)', () => {
  // One position, 2 heads of 4: cos and sin rows [c0, c1, c0, c1] and [s0, s1, s0, s1].
  const cos = Tensor.from([0.5, 0.25, 0.5, 0.25], [1, 4]);
  const sin = Tensor.from([0.75, -1, 0.75, -1], [1, 4]);
  const x = Tensor.from([1, 2, 3, 4, -1, 0, 2, 5], [1, 1, 8]);
  const y = rotaryEmbedding(x, cos, sin, 2);
  const head = (a: number, b: number, c: number, d: number): number[] => [
    a * 0.5 - c * 0.75,
    b * 0.25 - d * -1,
    c * 0.5 + a * 0.75,
    d * 0.25 + b * -1,
  ];
  assertClose(y.data, [...head(1, 2, 3, 4), ...head(-1, 0, 2, 5)], 1e-7);
});

test("rotary tables are transformers' default ones: θ^(−2i/d) per pair, both halves alike", () => {
  const { cos, sin } = rotaryTables(10000, 4, 3);
  assert.deepEqual(cos.shape, [3, 4]);
  const expected = (t: number, f: (a: number) => number): number[] => {
    const a = [t, t / 100];
    return [f(a[0]), f(a[1]), f(a[0]), f(a[1])];
  };
  for (let t = 0; t < 3; t++) {
    assertClose(cos.data.subarray(t * 4, t * 4 + 4), expected(t, Math.cos), 1e-6, `cos row ${t}`);
    assertClose(sin.data.subarray(t * 4, t * 4 + 4), expected(t, Math.sin), 1e-6, `sin row ${t}`);
  }
  // A longer table starts with the shorter one's rows.
  const longer = rotaryTables(10000, 4, 9);
  assert.deepEqual(Array.from(longer.cos.data.subarray(0, 12)), Array.from(cos.data));
});

test('rotated queries and keys score by their distance only, and keep their length', () => {
  const dim = 8;
  const { cos, sin } = rotaryTables(100, dim, 6);
  const q = randomTensor([1, 1, dim], 1, false);
  const k = randomTensor([1, 1, dim], 2, false);
  // The same vector at every position, rotated by each position's angle.
  const spread = (x: Tensor): Tensor =>
    rotaryEmbedding(
      new Tensor(
        Float32Array.from({ length: 6 * dim }, (_, i) => x.data[i % dim]),
        [1, 6, dim],
      ),
      cos,
      sin,
      1,
    );
  const qs = spread(q);
  const ks = spread(k);
  const dot = (a: Tensor, i: number, b: Tensor, j: number): number => {
    let s = 0;
    for (let d = 0; d < dim; d++) s += a.data[i * dim + d] * b.data[j * dim + d];
    return s;
  };
  assert.ok(Math.abs(dot(qs, 1, ks, 3) - dot(qs, 0, ks, 2)) < 1e-5);
  assert.ok(Math.abs(dot(qs, 5, ks, 2) - dot(qs, 4, ks, 1)) < 1e-5);
  assert.ok(Math.abs(dot(qs, 1, ks, 3) - dot(qs, 3, ks, 1)) > 1e-3, 'the direction of the distance counts');
  assert.ok(Math.abs(dot(qs, 4, qs, 4) - dot(q, 0, q, 0)) < 1e-5);
});

test('rotaryEmbedding gradient matches finite differences (2 batches, 3 positions, 2 heads)', () => {
  const { cos, sin } = rotaryTables(10, 4, 5);
  const x = randomTensor([2, 3, 8], 3);
  gradcheck(() => rotaryEmbedding(x, cos, sin, 2), [x]);
});

test('rotaryEmbedding refuses odd head sizes and short tables in one sentence', () => {
  const { cos, sin } = rotaryTables(10, 4, 2);
  assert.throws(
    () => rotaryEmbedding(Tensor.zeros([1, 3, 8]), cos, sin, 2),
    (e: unknown) =>
      e instanceof UserError &&
      e.message ===
        'rotaryEmbedding needs cos and sin tables of at least 3 rows of 4, but got [2, 4] and [2, 4].',
  );
  assert.throws(
    () => rotaryEmbedding(Tensor.zeros([1, 2, 6]), cos, sin, 2),
    (e: unknown) =>
      e instanceof UserError && e.message === 'rotaryEmbedding needs an even head size, but got 3.',
  );
  assert.throws(() => rotaryEmbedding(Tensor.zeros([1, 2, 8]), cos, sin, 3), UserError);
});
