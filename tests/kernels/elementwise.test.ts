import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/tensor/random.js';
import type { Kernels } from '../../src/kernels/kernels.js';
import { createReferenceKernels } from '../../src/kernels/reference/index.js';
import { allocWasmF32 } from '../../src/kernels/wasm/index.js';
import { dropoutThreshold } from '../../src/kernels/reference/dropout.js';
import { THREAD_COUNTS, assertClose, fastBackends, fastKinds, normalArray, randomArray } from './helpers.js';

const ref = createReferenceKernels();
/** Lengths around the vector width (4) and the thread split, and one that is split across threads. */
const LENGTHS = [1, 3, 4, 17, 127, 129, 100_003];
/** rows × cols pairs for the row-wise kernels; the last ones are large enough to be split across threads. */
const ROWS_COLS: [number, number][] = [
  [1, 1],
  [1, 3],
  [3, 17],
  [17, 4],
  [5, 127],
  [2, 129],
  [300, 128],
  [129, 257],
];

function copy(a: Float32Array): Float32Array {
  return Float32Array.from(a);
}

for (const kind of fastKinds())
  describe(`${kind} element-wise and row-wise kernels match the reference`, () => {
    let backends: Map<number, Kernels>;
    before(async () => {
      backends = await fastBackends(kind);
    });
    after(() => {
      for (const k of backends.values()) k.dispose();
    });

    for (const threads of THREAD_COUNTS) {
      test(`gelu and its backward, ${threads} thread(s)`, () => {
        const kernels = backends.get(threads)!;
        const rng = new Rng(1 + threads);
        for (const n of LENGTHS) {
          const x = normalArray(rng, n, 3);
          // The tails and the middle, where erf is hardest: exact 0, far negative (gelu → −0), large.
          const special = [
            0, -0, 1e-8, -1e-8, 0.5, -0.5, 1.7, -1.7, 3, -3, 5.5, -5.5, 9, -9, 14, -14, 40, -40,
          ];
          x.set(special.slice(0, n));
          if (n > 40) x[40] = NaN;
          const y = new Float32Array(n).fill(NaN);
          kernels.gelu(x, y, n);
          const yRef = new Float32Array(n);
          ref.gelu(x, yRef, n);
          assertClose(y, yRef, 2e-6, 1e-7, `gelu n=${n}`);

          const dy = normalArray(rng, n);
          const dx = normalArray(rng, n);
          const dxRef = copy(dx);
          kernels.geluBackward(x, dy, dx, n);
          ref.geluBackward(x, dy, dxRef, n);
          assertClose(dx, dxRef, 2e-6, 1e-6, `geluBackward n=${n}`);
          // A first gradient overwrites whatever the buffer held, NaN included.
          const fresh = new Float32Array(n).fill(NaN);
          const freshRef = new Float32Array(n).fill(NaN);
          kernels.geluBackward(x, dy, fresh, n, false);
          ref.geluBackward(x, dy, freshRef, n, false);
          assertClose(fresh, freshRef, 2e-6, 1e-6, `geluBackward overwriting n=${n}`);
          if (n > 40) assert.ok(Number.isNaN(fresh[40]) && !Number.isNaN(fresh[41]));
        }
      });

      test(`gelu keeps float32 relative precision in its tails, ${threads} thread(s)`, () => {
        // x, gelu(x), gelu'(x) in double precision (Python's math.erfc). The reference kernel, which
        // forms 1 + erf in double, loses these tails below x ≈ −8; the wasm one must not.
        const golden = [
          [-10, -7.619853024160593e-23, -7.618400096464813e-22],
          [-7, -8.958687807200846e-12, -6.266323031466634e-11],
          [-5, -1.4332578593959731e-6, -7.146946001792295e-6],
          [-3, -0.004049694094890287, -0.011945647204183927],
          [-1, -0.15865525393145707, -0.08331547058768629],
          [-0.25, -0.10032341857926907, 0.30462664511636395],
          [0.5, 0.34573123063700656, 0.8674951246561629],
          [2, 1.9544997361036416, 1.085231801078197],
          [4, 3.9998733150326675, 1.0005036496612265],
        ];
        const kernels = backends.get(threads)!;
        const n = golden.length;
        const x = Float32Array.from(golden, (g) => g[0]);
        const y = new Float32Array(n);
        kernels.gelu(x, y, n);
        assertClose(
          y,
          Float32Array.from(golden, (g) => g[1]),
          1e-6,
          0,
          'gelu tails',
        );
        const dx = new Float32Array(n);
        kernels.geluBackward(x, new Float32Array(n).fill(1), dx, n);
        assertClose(
          dx,
          Float32Array.from(golden, (g) => g[2]),
          1e-6,
          0,
          'gelu derivative tails',
        );
      });

      test(`gelu in place on an array in wasm memory, ${threads} thread(s)`, () => {
        const kernels = backends.get(threads)!;
        const rng = new Rng(5);
        const n = 70_001;
        const x = normalArray(rng, n, 2);
        const w = allocWasmF32(kernels, n);
        w.set(x);
        kernels.gelu(w, w, n);
        const yRef = new Float32Array(n);
        ref.gelu(x, yRef, n);
        assertClose(w, yRef, 2e-6, 1e-7, 'gelu in place');
      });

      test(`add, also in place, ${threads} thread(s)`, () => {
        const kernels = backends.get(threads)!;
        const rng = new Rng(21 + threads);
        for (const n of LENGTHS) {
          const a = normalArray(rng, n);
          const b = normalArray(rng, n);
          const y = new Float32Array(n).fill(NaN);
          kernels.add(a, b, y, n);
          const yRef = new Float32Array(n);
          ref.add(a, b, yRef, n);
          assert.deepEqual(y, yRef, `add n=${n}`);
          // a += b, on an ordinary array and on one in wasm memory
          const acc = copy(a);
          kernels.add(acc, b, acc, n);
          assert.deepEqual(acc, yRef, `a += b n=${n}`);
          const w = allocWasmF32(kernels, n);
          w.set(b);
          kernels.add(a, w, w, n);
          assert.deepEqual(w, yRef, `b = a + b in wasm memory n=${n}`);
        }
      });

      test(`sumRows adds column sums into its output, the same on any thread count, ${threads} thread(s)`, () => {
        const kernels = backends.get(threads)!;
        const one = backends.get(1)!;
        const rng = new Rng(31 + threads);
        for (const [rows, cols] of [
          ...ROWS_COLS,
          [4096, 256] as [number, number],
          [1000, 37] as [number, number],
        ]) {
          const x = normalArray(rng, rows * cols);
          const start = normalArray(rng, cols);
          const out = copy(start);
          kernels.sumRows(x, rows, cols, out);
          const outRef = copy(start);
          ref.sumRows(x, rows, cols, outRef);
          assertClose(out, outRef, 1e-5, 1e-5 * Math.sqrt(rows), `sumRows ${rows}×${cols}`);
          const outOne = copy(start);
          one.sumRows(x, rows, cols, outOne);
          assert.deepEqual(out, outOne, `sumRows ${rows}×${cols}: 1 thread and ${threads} agree bit for bit`);
        }
      });

      test(`softmax with and without a bias, and its backward, ${threads} thread(s)`, () => {
        const kernels = backends.get(threads)!;
        const rng = new Rng(7 + threads);
        for (const [rows, cols] of ROWS_COLS) {
          const x = normalArray(rng, rows * cols, 4);
          // -Infinity entries (masked) must come out as exact zeros; one row very large values.
          if (cols > 2) x[1] = -Infinity;
          if (rows > 2) for (let c = 0; c < cols; c++) x[cols + c] += 80;
          const y = new Float32Array(rows * cols).fill(NaN);
          kernels.softmax({ rows, cols, x, y });
          const yRef = new Float32Array(rows * cols);
          ref.softmax({ rows, cols, x, y: yRef });
          assertClose(y, yRef, 2e-6, 1e-9, `softmax ${rows}×${cols}`);
          if (cols > 2) assert.equal(y[1], 0);

          for (const rowsPerBias of [1, 2, rows]) {
            const groups = Math.ceil(rows / rowsPerBias);
            const bias = randomArray(rng, groups * cols, 3);
            bias[0] = -Infinity;
            kernels.softmax({ rows, cols, x, y, bias, rowsPerBias });
            ref.softmax({ rows, cols, x, y: yRef, bias, rowsPerBias });
            assertClose(y, yRef, 2e-6, 1e-9, `softmax ${rows}×${cols} bias per ${rowsPerBias} rows`);
          }

          const dy = normalArray(rng, rows * cols);
          const dx = normalArray(rng, rows * cols);
          const dxRef = copy(dx);
          kernels.softmaxBackward(yRef, dy, dx, rows, cols);
          ref.softmaxBackward(yRef, dy, dxRef, rows, cols);
          assertClose(dx, dxRef, 1e-5, 1e-6, `softmaxBackward ${rows}×${cols}`);
          const fresh = new Float32Array(rows * cols).fill(NaN);
          const freshRef = new Float32Array(rows * cols).fill(NaN);
          kernels.softmaxBackward(yRef, dy, fresh, rows, cols, false);
          ref.softmaxBackward(yRef, dy, freshRef, rows, cols, false);
          assertClose(fresh, freshRef, 1e-5, 1e-6, `softmaxBackward overwriting ${rows}×${cols}`);
        }
      });

      test(`layer norm and its backward (each gradient optional), ${threads} thread(s)`, () => {
        const kernels = backends.get(threads)!;
        const rng = new Rng(13 + threads);
        for (const [rows, cols] of ROWS_COLS) {
          const n = rows * cols;
          const x = normalArray(rng, n, 2);
          for (let i = 0; i < n; i++) x[i] += 0.5;
          const gamma = randomArray(rng, cols, 2);
          const beta = randomArray(rng, cols);
          const eps = 1e-12;
          const out = () => ({
            y: new Float32Array(n).fill(NaN),
            mean: new Float32Array(rows).fill(NaN),
            rstd: new Float32Array(rows).fill(NaN),
          });
          const got = out();
          const want = out();
          kernels.layerNorm({ rows, cols, eps, x, gamma, beta, ...got });
          ref.layerNorm({ rows, cols, eps, x, gamma, beta, ...want });
          const what = `layerNorm ${rows}×${cols}`;
          // cols = 1 normalises to exactly 0: y = beta.
          assertClose(got.y, want.y, 1e-5, 1e-5, what);
          assertClose(got.mean, want.mean, 1e-5, 1e-6, `${what} mean`);
          assertClose(got.rstd, want.rstd, 1e-5, 1e-6, `${what} rstd`);

          const dy = normalArray(rng, n);
          for (const mask of [7, 1, 2, 4, 6]) {
            const grads = () => ({
              dx: mask & 1 ? normalArray(new Rng(mask), n) : null,
              dgamma: mask & 2 ? normalArray(new Rng(mask + 10), cols) : null,
              dbeta: mask & 4 ? normalArray(new Rng(mask + 20), cols) : null,
            });
            const g = grads();
            const w = grads();
            const common = { rows, cols, x, gamma, mean: want.mean, rstd: want.rstd, dy };
            kernels.layerNormBackward({ ...common, ...g });
            ref.layerNormBackward({ ...common, ...w });
            const whatB = `layerNormBackward ${rows}×${cols} mask ${mask}`;
            const scale = Math.sqrt(rows);
            if (g.dx) assertClose(g.dx, w.dx!, 1e-4, 1e-4, `${whatB} dx`);
            if (g.dgamma) assertClose(g.dgamma, w.dgamma!, 1e-5, 1e-5 * scale, `${whatB} dgamma`);
            if (g.dbeta) assertClose(g.dbeta, w.dbeta!, 1e-5, 1e-5 * scale, `${whatB} dbeta`);
          }
          // dx overwritten (a first gradient), dgamma and dbeta still added to.
          const g = { dx: new Float32Array(n).fill(NaN), dgamma: new Float32Array(cols), dbeta: null };
          const w = { dx: new Float32Array(n).fill(NaN), dgamma: new Float32Array(cols), dbeta: null };
          const common = { rows, cols, x, gamma, mean: want.mean, rstd: want.rstd, dy, dxAccumulate: false };
          kernels.layerNormBackward({ ...common, ...g });
          ref.layerNormBackward({ ...common, ...w });
          assertClose(g.dx, w.dx, 1e-4, 1e-4, `layerNormBackward ${rows}×${cols} dx overwritten`);
          assertClose(
            g.dgamma,
            w.dgamma,
            1e-5,
            1e-5 * Math.sqrt(rows),
            `layerNormBackward ${rows}×${cols} dgamma`,
          );
        }
      });

      test(`embedding and its backward, copied and in place, ${threads} thread(s)`, () => {
        const kernels = backends.get(threads)!;
        const rng = new Rng(17 + threads);
        for (const [count, dim, vocab] of [
          [1, 1, 1],
          [3, 17, 5],
          [129, 127, 40],
          [600, 128, 1000],
        ]) {
          const ids = new Int32Array(count);
          for (let i = 0; i < count; i++) ids[i] = Math.floor(rng.uniform() * vocab);
          if (count > 2) ids[2] = ids[0]; // repeated ids must add up, not race
          const table = normalArray(rng, vocab * dim);
          const dOut = normalArray(rng, count * dim);
          const dTable0 = normalArray(rng, vocab * dim);
          const outRef = new Float32Array(count * dim);
          ref.embedding(ids, table, outRef, count, dim);
          const dTableRef = copy(dTable0);
          ref.embeddingBackward(ids, dOut, dTableRef, count, dim);

          const out = new Float32Array(count * dim);
          kernels.embedding(ids, table, out, count, dim);
          assert.deepEqual(out, outRef);
          const dTable = copy(dTable0);
          kernels.embeddingBackward(ids, dOut, dTable, count, dim);
          assertClose(dTable, dTableRef, 1e-6, 0, `embeddingBackward ${count}×${dim}`);

          const put = (a: Float32Array) => {
            const w = allocWasmF32(kernels, a.length);
            w.set(a);
            return w;
          };
          const wOut = allocWasmF32(kernels, count * dim);
          kernels.embedding(ids, put(table), wOut, count, dim);
          assert.deepEqual(Float32Array.from(wOut), outRef);
          const wdTable = put(dTable0);
          kernels.embeddingBackward(ids, put(dOut), wdTable, count, dim);
          assertClose(wdTable, dTableRef, 1e-6, 0, `embeddingBackward in place ${count}×${dim}`);
        }
        const ids = new Int32Array([0, 5]);
        assert.throws(
          () => kernels.embedding(ids, new Float32Array(10), new Float32Array(4), 2, 2),
          RangeError,
        );
      });

      test(`dropout masks match the reference bit for bit, copied, accumulated and in place, ${threads} thread(s)`, () => {
        const kernels = backends.get(threads)!;
        const rng = new Rng(23 + threads);
        for (const n of LENGTHS) {
          for (const p of [0, 0.1, 0.5, 1]) {
            const mask = {
              seed0: rng.nextUint32(),
              seed1: rng.nextUint32(),
              threshold: dropoutThreshold(p),
              scale: p === 1 ? 0 : 1 / (1 - p),
            };
            const x = normalArray(rng, n);
            if (n > 3) x[3] = NaN;
            const y = new Float32Array(n).fill(NaN);
            const yRef = new Float32Array(n);
            kernels.dropout({ n, x, y, ...mask, accumulate: false });
            ref.dropout({ n, x, y: yRef, ...mask, accumulate: false });
            assert.deepEqual(y, yRef, `dropout n=${n} p=${p}`);
            if (n === 100_003) {
              let kept = 0;
              for (let i = 0; i < n; i++) if (y[i] !== 0) kept++;
              assert.ok(Math.abs(kept / n - (1 - p)) < 0.01, `kept fraction ${kept / n} for p=${p}`);
            }
            const acc = normalArray(rng, n);
            const accRef = copy(acc);
            kernels.dropout({ n, x, y: acc, ...mask, accumulate: true });
            ref.dropout({ n, x, y: accRef, ...mask, accumulate: true });
            assert.deepEqual(acc, accRef, `dropout accumulate n=${n} p=${p}`);
            const inPlace = copy(x);
            kernels.dropout({ n, x: inPlace, y: inPlace, ...mask, accumulate: false });
            assert.deepEqual(inPlace, yRef, `dropout in place n=${n} p=${p}`);
            const resident = allocWasmF32(kernels, n);
            resident.set(x);
            kernels.dropout({ n, x: resident, y: resident, ...mask, accumulate: false });
            assert.deepEqual(resident, yRef, `dropout in wasm memory n=${n} p=${p}`);
          }
        }
      });

      test(`gelu and its backward give the same bits in long runs as a few elements at a time, ${threads} thread(s)`, () => {
        // Long runs go through the blocked passes (native: erfc's parts first, packs of vectors);
        // three elements at a time through the one-vector path. Each element's arithmetic is the same.
        const kernels = backends.get(threads)!;
        const rng = new Rng(31 + threads);
        const n = 5000;
        const x = normalArray(rng, n, 4);
        x.set([0, -0, 1e-40, -1e-40, 9, -9, 14, -14, 40, -40, 87, -87, 200, -200, Infinity, -Infinity], 100);
        const dy = normalArray(rng, n);
        const old = normalArray(rng, n);
        const whole = { y: new Float32Array(n), dx: new Float32Array(n), acc: copy(old) };
        kernels.gelu(x, whole.y, n);
        kernels.geluBackward(x, dy, whole.dx, n, false);
        kernels.geluBackward(x, dy, whole.acc, n, true);
        const piecewise = { y: new Float32Array(n), dx: new Float32Array(n), acc: copy(old) };
        for (let s = 0; s < n; s += 3) {
          const e = Math.min(n, s + 3);
          kernels.gelu(x.subarray(s, e), piecewise.y.subarray(s, e), e - s);
          kernels.geluBackward(
            x.subarray(s, e),
            dy.subarray(s, e),
            piecewise.dx.subarray(s, e),
            e - s,
            false,
          );
          kernels.geluBackward(
            x.subarray(s, e),
            dy.subarray(s, e),
            piecewise.acc.subarray(s, e),
            e - s,
            true,
          );
        }
        assert.deepEqual(whole.y, piecewise.y, 'gelu');
        assert.deepEqual(whole.dx, piecewise.dx, 'geluBackward');
        assert.deepEqual(whole.acc, piecewise.acc, 'geluBackward accumulated');
      });

      test(`layer norm's dgamma and dbeta sum each column down the rows in row order, ${threads} thread(s)`, () => {
        // The exact float32 sums, modelled in JavaScript with Math.fround after every operation.
        const kernels = backends.get(threads)!;
        const rng = new Rng(37 + threads);
        const f = Math.fround;
        for (const [rows, cols] of [
          [3, 200],
          [70, 129],
          [5, 64],
        ]) {
          const n = rows * cols;
          const x = normalArray(rng, n, 2);
          const dy = normalArray(rng, n);
          const gamma = randomArray(rng, cols, 2);
          const mean = normalArray(rng, rows);
          const rstd = randomArray(rng, rows, 2);
          const dgamma = normalArray(rng, cols);
          const dbeta = normalArray(rng, cols);
          const want = { dgamma: copy(dgamma), dbeta: copy(dbeta) };
          for (let c = 0; c < cols; c++) {
            let sg = 0;
            let sb = 0;
            for (let r = 0; r < rows; r++) {
              const d = dy[r * cols + c];
              sg = f(sg + f(d * f(f(x[r * cols + c] - mean[r]) * rstd[r])));
              sb = f(sb + d);
            }
            want.dgamma[c] = f(want.dgamma[c] + sg);
            want.dbeta[c] = f(want.dbeta[c] + sb);
          }
          kernels.layerNormBackward({ rows, cols, x, gamma, mean, rstd, dy, dx: null, dgamma, dbeta });
          assert.deepEqual(dgamma, want.dgamma, `dgamma ${rows}×${cols}`);
          assert.deepEqual(dbeta, want.dbeta, `dbeta ${rows}×${cols}`);
        }
      });

      test(`dropout indices wrap at 2^32 as the reference's do, ${threads} thread(s)`, () => {
        const kernels = backends.get(threads)!;
        const n = 1000;
        const x = normalArray(new Rng(41), n);
        const mask = { seed0: 0xffffffff - 300, seed1: 12345, threshold: dropoutThreshold(0.5), scale: 2 };
        const y = new Float32Array(n);
        const yRef = new Float32Array(n);
        kernels.dropout({ n, x, y, ...mask, accumulate: false });
        ref.dropout({ n, x, y: yRef, ...mask, accumulate: false });
        assert.deepEqual(y, yRef);
      });

      test(`adamw over several steps, ${threads} thread(s)`, () => {
        const kernels = backends.get(threads)!;
        const rng = new Rng(19 + threads);
        for (const n of LENGTHS) {
          const param = normalArray(rng, n);
          const m = new Float32Array(n);
          const v = new Float32Array(n);
          const pRef = copy(param);
          const mRef = copy(m);
          const vRef = copy(v);
          for (let step = 1; step <= 3; step++) {
            const grad = normalArray(rng, n);
            const hyper = { n, grad, lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, step };
            kernels.adamw({ ...hyper, param, m, v });
            ref.adamw({ ...hyper, param: pRef, m: mRef, v: vRef });
          }
          assertClose(param, pRef, 1e-6, 1e-7, `adamw param n=${n}`);
          assertClose(m, mRef, 1e-5, 1e-7, `adamw m n=${n}`);
          assertClose(v, vRef, 1e-5, 1e-9, `adamw v n=${n}`);
        }
      });
    }
  });
