import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { GemmSpec, Kernels } from '../../src/kernels/kernels.js';
import { Rng } from '../../src/tensor/random.js';
import { createReferenceKernels } from '../../src/kernels/reference/index.js';
import { assertClose, fastBackends, fastKinds, randomArray } from './helpers.js';

/**
 * The WebAssembly and native kernels give the same bits however their tasks fall to the threads: every output
 * element is computed by exactly one task, and a task's result depends only on its number, never on
 * which thread claimed it or when (sums run in a fixed order: a GEMM task covers the whole k range of
 * its block of C, a layer norm's dgamma/dbeta strip and an embedding gradient's column strip run down
 * all rows, a bias gradient adds fixed row blocks in block order). This is what makes a training run
 * on two threads reproducible, and a resumed one identical to an uninterrupted one
 * (tests/robustness). Each kernel runs several times on two threads, every job through both, and once
 * on one thread; all results must agree bit for bit. Shapes cross the kernels' task boundaries.
 */

const REPEATS = 6;

/** A kernel call on fresh inputs (the same every time: a fixed seed) returning every array it wrote. */
type Case = (k: Kernels, rng: Rng) => Float32Array[];

function gemmCase(shape: Partial<GemmSpec> & Pick<GemmSpec, 'm' | 'n' | 'k'>, batch = 1, sum = false): Case {
  return (kernels, rng) => {
    const { m, n, k } = shape;
    const a = randomArray(rng, batch * m * k);
    const b = randomArray(rng, batch * n * k);
    const c = randomArray(rng, sum ? m * n : batch * m * n);
    kernels.gemm({
      batch,
      transA: false,
      transB: false,
      a,
      aOffset: 0,
      aStride: m * k,
      b,
      bOffset: 0,
      bStride: n * k,
      c,
      cOffset: 0,
      cStride: sum ? 0 : m * n,
      alpha: 0.7,
      beta: sum ? 1 : 0,
      ...shape,
    });
    return [c];
  };
}

const CASES: Record<string, Case> = {
  'gemm, blocks of C over both threads': gemmCase({ m: 203, n: 97, k: 301, transB: true }),
  'gemm with a bias and a transposed A': (k, rng) =>
    gemmCase({ m: 130, n: 70, k: 260, transA: true, bias: randomArray(rng, 70) })(k, rng),
  // batch 1, k ≥ 1024, m ≤ 4n: the threads share the packing of B (a weight gradient's shape).
  'gemm, a weight gradient (shared packing of B)': gemmCase({ m: 48, n: 64, k: 1500, transA: true }),
  'gemm, a batch summed into one C': gemmCase({ m: 90, n: 61, k: 120 }, 6, true),
  'gemm, a batch of disjoint Cs': gemmCase({ m: 70, n: 41, k: 200 }, 6),
  'layer norm forward and backward (dx, dgamma, dbeta)': (k, rng) => {
    const rows = 300;
    const cols = 72;
    const x = randomArray(rng, rows * cols);
    const gamma = randomArray(rng, cols);
    const beta = randomArray(rng, cols);
    const y = new Float32Array(rows * cols);
    const mean = new Float32Array(rows);
    const rstd = new Float32Array(rows);
    k.layerNorm({ rows, cols, eps: 1e-12, x, gamma, beta, y, mean, rstd });
    const dy = randomArray(rng, rows * cols);
    const dx = randomArray(rng, rows * cols);
    const dgamma = randomArray(rng, cols);
    const dbeta = randomArray(rng, cols);
    k.layerNormBackward({ rows, cols, x, gamma, mean, rstd, dy, dx, dgamma, dbeta });
    return [y, mean, rstd, dx, dgamma, dbeta];
  },
  'column sums (a bias gradient) over many row blocks': (k, rng) => {
    const rows = 1100;
    const cols = 50;
    const out = randomArray(rng, cols);
    k.sumRows(randomArray(rng, rows * cols), rows, cols, out);
    return [out];
  },
  'embedding gradient with repeated ids': (k, rng) => {
    const count = 500;
    const dim = 72;
    const ids = Int32Array.from({ length: count }, () => rng.int(20));
    const dTable = randomArray(rng, 20 * dim);
    k.embeddingBackward(ids, randomArray(rng, count * dim), dTable, count, dim);
    return [dTable];
  },
  'softmax forward and backward': (k, rng) => {
    const rows = 300;
    const cols = 70;
    const y = new Float32Array(rows * cols);
    k.softmax({ rows, cols, x: randomArray(rng, rows * cols, 4), y });
    const dx = randomArray(rng, rows * cols);
    k.softmaxBackward(y, randomArray(rng, rows * cols), dx, rows, cols);
    return [y, dx];
  },
  'GELU forward and backward': (k, rng) => {
    const n = 70_001;
    const x = randomArray(rng, n, 3);
    const y = new Float32Array(n);
    k.gelu(x, y, n);
    const dx = randomArray(rng, n);
    k.geluBackward(x, randomArray(rng, n), dx, n);
    return [y, dx];
  },
  'AdamW update': (k, rng) => {
    const n = 100_003;
    const param = randomArray(rng, n);
    const m = randomArray(rng, n, 0.1);
    const v = randomArray(rng, n, 0.1).map(Math.abs);
    const spec = { n, param, grad: randomArray(rng, n), m, v, lr: 1e-3, beta1: 0.9, beta2: 0.999 };
    k.adamw({ ...spec, eps: 1e-8, weightDecay: 0.01, step: 7 });
    return [param, m, v];
  },
};

function bytesOf(arrays: Float32Array[]): Buffer[] {
  return arrays.map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength));
}

// The native kernels keep the same rule: a task's output depends only on its number (native/src).
for (const kind of fastKinds())
  describe(kind, () => {
    let backends: Map<number, Kernels>;
    before(async () => {
      backends = await fastBackends(kind);
    });
    after(() => {
      for (const k of backends.values()) k.dispose();
    });
    for (const [name, run] of Object.entries(CASES)) {
      test(`${name}: the same bits on two threads every time, and on one thread`, () => {
        const oneThread = run(backends.get(1)!, new Rng(11));
        // The kernels did compute (against the reference kernels, loosely: their sums run in another order).
        const reference = run(createReferenceKernels(), new Rng(11));
        oneThread.forEach((out, j) => assertClose(out, reference[j], 1e-3, 1e-4, `output ${j}`));
        const once = bytesOf(oneThread);
        for (let i = 0; i < REPEATS; i++) {
          const twice = bytesOf(run(backends.get(2)!, new Rng(11)));
          twice.forEach((bytes, j) =>
            assert.ok(
              bytes.equals(once[j]),
              `output ${j} of run ${i + 1} on two threads differs from one thread's`,
            ),
          );
        }
      });
    }
  });
