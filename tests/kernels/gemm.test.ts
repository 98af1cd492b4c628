import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/tensor/random.js';
import type { GemmSpec, Kernels } from '../../src/kernels/kernels.js';
import { gemmReference } from '../../src/kernels/reference/gemm.js';
import { operandExtent } from '../../src/kernels/gemm-layout.js';
import { allocWasmF32 } from '../../src/kernels/wasm/index.js';
import { createNativeKernels, type NativeIsa } from '../../src/kernels/native/index.js';
import { THREAD_COUNTS, fastBackends, fastKinds, randomArray } from './helpers.js';

interface Case {
  batch?: number;
  m: number;
  k: number;
  n: number;
  transA: boolean;
  transB: boolean;
  alpha?: number;
  beta?: number;
  aOffset?: number;
  bOffset?: number;
  cOffset?: number;
  /** Defaults: one matrix after another. */
  aStride?: number;
  bStride?: number;
  cStride?: number;
  /** Row strides; default contiguous. */
  lda?: number;
  ldb?: number;
  ldc?: number;
  /** Second batch level (GemmSpec.group); group strides default to group × stride. */
  group?: number;
  aGroupStride?: number;
  bGroupStride?: number;
  cGroupStride?: number;
  /** Add a bias row (at offset 2 of its array) in the epilogue. */
  bias?: boolean;
  /** Put these operands in wasm memory, so the backend uses them in place. */
  inWasm?: ('a' | 'b' | 'c' | 'bias')[];
}

const TRANS = [
  [false, false],
  [false, true],
  [true, false],
  [true, true],
] as const;

/**
 * Runs one GEMM on the backend and on the reference and compares every element of C's whole array
 * (so writes outside C's matrices are caught too). The error allowed for an element scales with
 * √k and with the magnitude of its terms, Σ|alpha·a·b| + |beta·c|, which the reference computes on
 * absolute values.
 */
function check(kernels: Kernels, rng: Rng, c: Case): void {
  const batch = c.batch ?? 1;
  const { m, k, n } = c;
  const rowsA = c.transA ? k : m;
  const rowsB = c.transB ? n : k;
  const lda = c.lda ?? (c.transA ? m : k);
  const ldb = c.ldb ?? (c.transB ? k : n);
  const ldc = c.ldc ?? n;
  const group = c.group ?? batch;
  const aStride = c.aStride ?? rowsA * lda;
  const bStride = c.bStride ?? rowsB * ldb;
  const cStride = c.cStride ?? m * ldc;
  const aGroupStride = c.aGroupStride ?? group * aStride;
  const bGroupStride = c.bGroupStride ?? group * bStride;
  const cGroupStride = c.cGroupStride ?? group * cStride;
  const layout = {
    ...(c.lda !== undefined ? { lda } : {}),
    ...(c.ldb !== undefined ? { ldb } : {}),
    ...(c.ldc !== undefined ? { ldc } : {}),
    ...(c.group !== undefined ? { group, aGroupStride, bGroupStride, cGroupStride } : {}),
  };
  const aOffset = c.aOffset ?? 0;
  const bOffset = c.bOffset ?? 0;
  const cOffset = c.cOffset ?? 0;
  const alpha = c.alpha ?? 1;
  const beta = c.beta ?? 0;
  const extent = (stride: number, groupStride: number, rows: number, cols: number, ld: number): number =>
    operandExtent(batch, group, stride, groupStride, rows, cols, ld);
  const aLen = aOffset + extent(aStride, aGroupStride, rowsA, c.transA ? m : k, lda) + 3;
  const bLen = bOffset + extent(bStride, bGroupStride, rowsB, c.transB ? k : n, ldb) + 3;
  const cLen = cOffset + extent(cStride, cGroupStride, m, n, ldc) + 3;
  const inWasm = new Set(c.inWasm ?? []);
  const place = (name: 'a' | 'b' | 'c' | 'bias', data: Float32Array): Float32Array => {
    if (!inWasm.has(name)) return data;
    const w = allocWasmF32(kernels, data.length);
    w.set(data);
    return w;
  };
  const a = randomArray(rng, aLen);
  const b = randomArray(rng, bLen);
  const c0 = randomArray(rng, cLen);
  const bias = c.bias ? randomArray(rng, n + 2) : null;
  // beta 0 must ignore C entirely, NaN included: every element of every C matrix is NaN (gaps between
  // rows and matrices keep their numbers, and must come back unchanged).
  if (beta === 0) {
    for (let bi = 0; bi < batch; bi++) {
      const o = cOffset + Math.floor(bi / group) * cGroupStride + (bi % group) * cStride;
      for (let i = 0; i < m; i++) c0.fill(NaN, o + i * ldc, o + i * ldc + n);
    }
  }
  const spec = (
    aa: Float32Array,
    bb: Float32Array,
    cc: Float32Array,
    al: number,
    be: number,
    bi: Float32Array | null = bias,
  ): GemmSpec => ({
    batch,
    m,
    n,
    k,
    transA: c.transA,
    transB: c.transB,
    a: aa,
    aOffset,
    aStride,
    b: bb,
    bOffset,
    bStride,
    c: cc,
    cOffset,
    cStride,
    alpha: al,
    beta: be,
    ...layout,
    ...(bi ? { bias: bi, biasOffset: 2 } : {}),
  });
  const got = place('c', Float32Array.from(c0));
  kernels.gemm(spec(place('a', a), place('b', b), got, alpha, beta, bias && place('bias', bias)));
  const want = Float32Array.from(c0);
  gemmReference(spec(a, b, want, alpha, beta));
  const mag = Float32Array.from(c0, Math.abs);
  gemmReference(
    spec(a.map(Math.abs), b.map(Math.abs), mag, Math.abs(alpha), Math.abs(beta), bias && bias.map(Math.abs)),
  );
  const tol = 1e-6 * (Math.sqrt(k) + 1);
  const label = JSON.stringify({ ...c, inWasm: undefined });
  for (let i = 0; i < cLen; i++) {
    const g = got[i];
    const w = want[i];
    if (Number.isNaN(w) && Number.isNaN(g)) continue;
    if (!(Math.abs(g - w) <= tol * mag[i] + 1e-30)) {
      assert.fail(`gemm ${label}: C[${i}] is ${g}, expected ${w}`);
    }
  }
}

// Shapes around the blocking of the wasm GEMM (4×8 tiles, 3×12 in its relaxed build; k in steps of
// 256, blocks of up to 64 rows and 512 columns) and of the native one (tiles 6×16 AVX2, 12×32 AVX-512,
// 4×8 generic; k in steps of 256 or 192; blocks of 144 or 128 rows): 1, primes, one past and one short
// of the block sizes.
const SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [1, 3, 17],
  [3, 17, 1],
  [17, 1, 3],
  [5, 8, 8],
  [127, 129, 17],
  [129, 127, 3],
  [17, 300, 129],
  [250, 17, 127],
  [3, 129, 530],
  [129, 260, 127],
];

for (const kind of fastKinds())
  describe(`${kind} gemm matches the reference`, () => {
    let backends: Map<number, Kernels>;
    before(async () => {
      backends = await fastBackends(kind);
    });
    after(() => {
      for (const k of backends.values()) k.dispose();
    });

    for (const threads of THREAD_COUNTS) {
      test(`shapes × transposes × alpha/beta, ${threads} thread(s)`, () => {
        const kernels = backends.get(threads)!;
        const rng = new Rng(11 + threads);
        const scalings = [
          { alpha: 1, beta: 0 },
          { alpha: 1, beta: 1 },
          { alpha: 0.5, beta: -0.75 },
        ];
        let i = 0;
        for (const [m, k, n] of SHAPES) {
          for (const [transA, transB] of TRANS) {
            const s = scalings[i++ % scalings.length];
            check(kernels, rng, { m, k, n, transA, transB, ...s });
          }
        }
      });

      test(`offsets and operands already in wasm memory, ${threads} thread(s)`, () => {
        const kernels = backends.get(threads)!;
        const rng = new Rng(21 + threads);
        for (const [transA, transB] of TRANS) {
          const base = { m: 37, k: 41, n: 43, transA, transB, aOffset: 7, bOffset: 3, cOffset: 5 };
          check(kernels, rng, { ...base, beta: 0 });
          check(kernels, rng, { ...base, beta: 1, inWasm: ['a', 'c'] });
          check(kernels, rng, { ...base, m: 130, k: 70, n: 129, alpha: 2, inWasm: ['a', 'b', 'c'] });
        }
      });

      test(`bias added in the epilogue, with alpha/beta, k past one block, batches, ${threads} thread(s)`, () => {
        const kernels = backends.get(threads)!;
        const rng = new Rng(41 + threads);
        for (const [transA, transB] of TRANS) {
          const t = { transA, transB, bias: true };
          check(kernels, rng, { ...t, m: 37, k: 41, n: 43 });
          check(kernels, rng, { ...t, m: 130, k: 300, n: 129, alpha: 0.5, beta: 1, inWasm: ['a', 'bias'] });
          check(kernels, rng, { ...t, m: 3, k: 1, n: 17, beta: -0.75, inWasm: ['bias', 'c'] });
          check(kernels, rng, { ...t, batch: 3, m: 17, k: 9, n: 13, cOffset: 1 });
        }
      });

      test(`batches: strides, broadcast (stride 0), summing into one C, gaps, ${threads} thread(s)`, () => {
        const kernels = backends.get(threads)!;
        const rng = new Rng(31 + threads);
        for (const [transA, transB] of TRANS) {
          const t = { transA, transB };
          check(kernels, rng, { ...t, batch: 3, m: 17, k: 9, n: 13, aStride: 0 });
          check(kernels, rng, { ...t, batch: 4, m: 6, k: 129, n: 11, bStride: 0, beta: 1, cOffset: 2 });
          // The gradient of a weight shared across the batch: every product added into one C.
          check(kernels, rng, { ...t, batch: 3, m: 7, k: 5, n: 9, cStride: 0, beta: 1 });
          check(kernels, rng, { ...t, batch: 3, m: 40, k: 60, n: 50, cStride: 0, beta: 1, aStride: 0 });
          // Partly overlapping C matrices: each product must see the previous one's result, in order.
          check(kernels, rng, { ...t, batch: 3, m: 40, k: 300, n: 130, cStride: 130, beta: 0.5 });
          // Gaps between the C matrices must be left alone even with beta 0.
          check(kernels, rng, { ...t, batch: 2, m: 5, k: 7, n: 9, cStride: 5 * 9 + 4, aOffset: 1 });
          // Many small products, as attention makes: split by batch across threads.
          check(kernels, rng, { ...t, batch: 24, m: 33, k: 64, n: 31, alpha: 0.125 });
        }
      });
    }

    for (const threads of THREAD_COUNTS) {
      test(`long k: B packed once, shared by the threads (weight-gradient shape), ${threads} thread(s)`, () => {
        const kernels = backends.get(threads)!;
        const rng = new Rng(60 + threads);
        for (const [transA, transB] of TRANS) {
          const t = { transA, transB };
          // k past the sharing threshold and not a multiple of the packing block or of 4; edge strips.
          check(kernels, rng, { ...t, m: 37, k: 1301, n: 43 });
          check(kernels, rng, { ...t, m: 64, k: 1024, n: 600, beta: 1, bias: true, inWasm: ['b'] });
          check(kernels, rng, { ...t, m: 9, k: 1027, n: 8, alpha: 0.5, ldb: transB ? 1030 : 11, aOffset: 2 });
        }
      });

      test(`many row blocks (the native kernels then share B's packing), n past one B panel, ${threads} thread(s)`, () => {
        const kernels = backends.get(threads)!;
        const rng = new Rng(80 + threads);
        for (const [transA, transB] of TRANS) {
          const t = { transA, transB };
          check(kernels, rng, { ...t, m: 611, k: 200, n: 77, bias: true });
          check(kernels, rng, { ...t, m: 590, k: 260, n: 35, beta: 1, alpha: 0.5, ldc: 40 });
          check(kernels, rng, { ...t, m: 7, k: 5, n: 3100, beta: -0.75 });
          check(kernels, rng, { ...t, m: 700, k: 3, n: 3090, bias: true });
        }
      });

      test(`row strides (lda, ldb, ldc), odd ones included, ${threads} thread(s)`, () => {
        const kernels = backends.get(threads)!;
        const rng = new Rng(61 + threads);
        let i = 0;
        for (const [transA, transB] of TRANS) {
          const t = { transA, transB };
          // m 37, k 41, n 43: stored A is [37, 41] or [41, 37]; B is [41, 43] or [43, 41].
          const s = { m: 37, k: 41, n: 43, ...t };
          const wideA = transA ? 37 : 41;
          const wideB = transB ? 41 : 43;
          check(kernels, rng, { ...s, lda: wideA + 3, ldb: wideB + 5, ldc: 43 + 7 });
          check(kernels, rng, { ...s, lda: wideA + 1, ldb: wideB, ldc: 43 + 1, beta: 1, aOffset: 3 });
          check(kernels, rng, {
            ...s,
            lda: wideA,
            ldb: wideB + 9,
            ldc: 43,
            alpha: 0.5,
            beta: -0.75,
            bias: true,
          });
          // Past the blocking (k over 256, m over a block), operands in wasm memory.
          check(kernels, rng, {
            ...t,
            m: 130,
            k: 300,
            n: 129,
            lda: (transA ? 130 : 300) + 2,
            ldb: (transB ? 300 : 129) + 3,
            ldc: 131,
            inWasm: i++ % 2 === 0 ? ['a', 'b', 'c'] : ['c'],
          });
          // Batches of strided matrices, stacked one after another.
          check(kernels, rng, { ...t, batch: 3, m: 9, k: 7, n: 11, lda: 13, ldb: 17, ldc: 19, beta: 1 });
        }
      });

      test(`attention heads in place: a second batch level over [B, T, H·D], ${threads} thread(s)`, () => {
        const kernels = backends.get(threads)!;
        const rng = new Rng(71 + threads);
        // B 3, H 4, T 13, D 6: head (b, h) of [B, T, H·D] starts at b·T·H·D + h·D, rows H·D apart.
        const [B, H, T, D] = [3, 4, 13, 6];
        const HD = H * D;
        const head = { batch: B * H, group: H };
        const inHeads = (ld: number) => ({ stride: D, groupStride: T * HD, ld });
        const q = inHeads(HD);
        for (const beta of [0, 1]) {
          // scores = q·kᵀ: both read in place, C contiguous [B·H, T, T].
          check(kernels, rng, {
            ...head,
            m: T,
            k: D,
            n: T,
            transA: false,
            transB: true,
            lda: HD,
            ldb: HD,
            aStride: q.stride,
            aGroupStride: q.groupStride,
            bStride: D,
            bGroupStride: T * HD,
            cStride: T * T,
            cGroupStride: H * T * T,
            alpha: 0.25,
            beta,
          });
          // context = attn·v, written straight into [B, T, H·D].
          check(kernels, rng, {
            ...head,
            m: T,
            k: T,
            n: D,
            transA: false,
            transB: false,
            ldb: HD,
            ldc: HD,
            aStride: T * T,
            aGroupStride: H * T * T,
            bStride: D,
            bGroupStride: T * HD,
            cStride: D,
            cGroupStride: T * HD,
            beta,
            inWasm: beta ? ['c'] : [],
          });
          // dk = dscoresᵀ·q, accumulated into [B, T, H·D].
          check(kernels, rng, {
            ...head,
            m: T,
            k: T,
            n: D,
            transA: true,
            transB: false,
            ldb: HD,
            ldc: HD,
            aStride: T * T,
            aGroupStride: H * T * T,
            bStride: D,
            bGroupStride: T * HD,
            cStride: D,
            cGroupStride: T * HD,
            beta,
          });
        }
        // Heads side by side with a gap after each row (ldc past H·D), and an odd group split.
        check(kernels, rng, {
          batch: 6,
          group: 3,
          m: 5,
          k: 7,
          n: 3,
          transA: false,
          transB: false,
          ldc: 11,
          cStride: 3,
          cGroupStride: 5 * 11,
          ldb: 10,
          bStride: 3,
          bGroupStride: 7 * 10,
        });
        // Overlapping C matrices the layout check cannot prove disjoint: walked in order.
        check(kernels, rng, {
          batch: 4,
          group: 2,
          m: 6,
          k: 5,
          n: 4,
          transA: false,
          transB: false,
          ldc: 5,
          cStride: 2,
          cGroupStride: 3,
          beta: 0.5,
        });
      });
    }

    // The native kernels' paths for the study's small shapes, also on 3 threads (splits that do not
    // divide evenly): C at most one column panel wide (A read in place; 2·mr-row tiles of one vector
    // where n fits one), and C of few row blocks (bands of rows × strips of columns, one a thread).
    if (kind.startsWith('native:'))
      test('native: narrow C (A read in place) and few row blocks (bands × strips), 1–3 threads', () => {
        const three = createNativeKernels({
          threads: 3,
          parallelMinNs: 0,
          isa: kind.slice('native:'.length) as NativeIsa,
        });
        try {
          const rng = new Rng(90);
          for (const kernels of [backends.get(1)!, backends.get(2)!, three]) {
            for (const [transA, transB] of TRANS) {
              const t = { transA, transB };
              for (const n of [1, 7, 8, 9, 16, 17, 32, 33]) {
                check(kernels, rng, { ...t, m: 611, k: 130, n, bias: n % 2 === 1 });
                check(kernels, rng, { ...t, m: 25, k: 600, n, alpha: 0.5, beta: 1 });
              }
              check(kernels, rng, { ...t, m: 13, k: 257, n: 8, beta: -0.75, lda: transA ? 15 : 260, ldc: 9 });
              check(kernels, rng, { ...t, m: 1, k: 3, n: 5, bias: true });
              check(kernels, rng, { ...t, batch: 3, m: 30, k: 40, n: 8, cStride: 0, beta: 1 });
              check(kernels, rng, { ...t, m: 140, k: 700, n: 300, bias: true });
              check(kernels, rng, { ...t, m: 256, k: 520, n: 40, alpha: 0.5, beta: 1 });
              check(kernels, rng, { ...t, m: 8, k: 600, n: 130, ldb: transB ? 603 : 133 });
            }
          }
        } finally {
          three.dispose();
        }
      });

    test('k = 0 scales C by beta, and empty products leave C alone', () => {
      const kernels = backends.get(2)!;
      const rng = new Rng(41);
      check(kernels, rng, { m: 3, k: 0, n: 4, transA: false, transB: false, beta: 0.5 });
      check(kernels, rng, { m: 3, k: 0, n: 4, transA: true, transB: false, beta: 0 });
      const c = new Float32Array([1, 2, 3]);
      kernels.gemm({
        batch: 1,
        m: 0,
        n: 3,
        k: 5,
        transA: false,
        transB: false,
        a: new Float32Array(0),
        aOffset: 0,
        aStride: 0,
        b: new Float32Array(15),
        bOffset: 0,
        bStride: 0,
        c,
        cOffset: 0,
        cStride: 0,
        alpha: 1,
        beta: 0,
      });
      assert.deepEqual(Array.from(c), [1, 2, 3]);
    });

    test('an operand shorter than its shape needs is refused', () => {
      const kernels = backends.get(1)!;
      const spec: GemmSpec = {
        batch: 1,
        m: 4,
        n: 4,
        k: 4,
        transA: false,
        transB: false,
        a: new Float32Array(15),
        aOffset: 0,
        aStride: 0,
        b: new Float32Array(16),
        bOffset: 0,
        bStride: 0,
        c: new Float32Array(16),
        cOffset: 0,
        cStride: 0,
        alpha: 1,
        beta: 0,
      };
      assert.throws(() => kernels.gemm(spec), RangeError);
    });

    test('the same numbers on 1 and 2 threads', () => {
      // Each C element is summed by one thread in the same order whatever the split, also when the
      // threads share the packing of B (the long-k case).
      for (const [m, k, n, transA] of [
        [300, 280, 130, false],
        [70, 1500, 90, true],
      ] as const) {
        sameOnAllThreadCounts(m, k, n, transA);
      }
    });

    function sameOnAllThreadCounts(m: number, k: number, n: number, transA: boolean): void {
      const rng = new Rng(51);
      const a = randomArray(rng, m * k);
      const b = randomArray(rng, k * n);
      const results = THREAD_COUNTS.map((threads) => {
        const c = new Float32Array(m * n);
        backends.get(threads)!.gemm({
          batch: 1,
          m,
          n,
          k,
          transA,
          transB: true,
          a,
          aOffset: 0,
          aStride: 0,
          b,
          bOffset: 0,
          bStride: 0,
          c,
          cOffset: 0,
          cStride: 0,
          alpha: 1,
          beta: 0,
        });
        return c;
      });
      assert.deepEqual(results[0], results[1], `${m}×${k}×${n}`);
    }
  });
