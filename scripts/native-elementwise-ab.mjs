// Compares this checkout's native addon with another build of it (a baseline .node file, e.g. main's)
// in ONE process: the element-wise and row-wise kernels' outputs bit for bit on the same inputs (odd
// lengths, NaN, ±0, ±inf, denormals, GELU's far tails, any bit pattern), then their times, old and new
// alternated call by call (medians and minimums of the rounds).
//
//   node scripts/native-elementwise-ab.mjs BASELINE.node [--isa avx2|generic|avx512] [--threads 1]
//     [--rounds 11] [--check-only]
//
// Needs `npm run build` (dist/) and the addon. A NaN's sign and payload are reported apart from other
// differences: which of two NaN operands x86 passes on depends on the operand order the compiler picks,
// and main's native and wasm kernels already differ there.
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { NativeKernels } from '../dist/src/kernels/native/index.js';
import { nativeAddonPath } from '../dist/src/kernels/native/addon.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    isa: { type: 'string', default: 'best' },
    // The baseline on another instruction set (e.g. the same addon, avx2 against avx512).
    'old-isa': { type: 'string' },
    threads: { type: 'string', default: '1' },
    rounds: { type: 'string', default: '11' },
    'check-only': { type: 'boolean', default: false },
  },
});
if (positionals.length !== 1) {
  console.error(
    'usage: node scripts/native-elementwise-ab.mjs BASELINE.node [--isa I] [--threads N] [--rounds R]',
  );
  process.exit(2);
}
const require = createRequire(import.meta.url);
const threads = Number(values.threads);
const opts = { threads, isa: values.isa };
const K = {
  old: new NativeKernels(require(resolve(positionals[0])), { ...opts, isa: values['old-isa'] ?? values.isa }),
  new: new NativeKernels(require(nativeAddonPath()), opts),
};
console.log(`isa ${K.new.isa}, ${threads} thread(s); old ${positionals[0]}, new ${nativeAddonPath()}`);

let seed = 12345;
const rnd = () => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed / 2 ** 32;
};
const SPECIAL = [
  NaN,
  Infinity,
  -Infinity,
  0,
  -0,
  1e-45,
  -1e-45,
  1e-40,
  -1e-40,
  88,
  -88,
  87.3,
  -87.4,
  1e30,
  -1e30,
];
const TAILS = [9.5, -9.5, 13, -13, 14.5, -14.5, 40, -40];
/** Mostly values of the given scale, with any bit patterns (NaNs, denormals), specials and tails mixed in. */
function inputs(n, scale) {
  const a = new Float32Array(n);
  const u = new Uint32Array(a.buffer);
  for (let i = 0; i < n; i++) {
    const k = rnd();
    if (k < 0.6) a[i] = (rnd() * 2 - 1) * scale;
    else if (k < 0.7) a[i] = (rnd() * 2 - 1) * 20;
    else if (k < 0.8) u[i] = (rnd() * 2 ** 32) >>> 0;
    else if (k < 0.85) a[i] = SPECIAL[(rnd() * SPECIAL.length) | 0];
    else if (k < 0.9) a[i] = TAILS[(rnd() * TAILS.length) | 0];
    else a[i] = (rnd() * 2 - 1) * 6;
  }
  return a;
}

const totals = { outputs: 0, elements: 0, identical: 0, nanBitsOnly: 0, nanElements: 0, other: 0 };
/** Old and new outputs of one case, bit for bit. */
function compare(name, olds, news) {
  for (let j = 0; j < olds.length; j++) {
    const a = new Uint32Array(olds[j].buffer, olds[j].byteOffset, olds[j].length);
    const b = new Uint32Array(news[j].buffer, news[j].byteOffset, news[j].length);
    let nanBits = 0;
    let other = 0;
    for (let i = 0; i < a.length; i++) {
      if (a[i] === b[i]) continue;
      const na = olds[j][i] !== olds[j][i];
      const nb = news[j][i] !== news[j][i];
      if (na && nb) nanBits++;
      else other++;
    }
    totals.outputs++;
    totals.elements += a.length;
    totals.nanElements += nanBits;
    if (other) {
      totals.other++;
      console.log(`DIFFERENT ${name} output ${j}: ${other} elements (not NaN for NaN)`);
    } else if (nanBits) totals.nanBitsOnly++;
    else totals.identical++;
  }
}

/** Runs `run(kernels)` on both builds; it returns the output arrays. */
function both(name, run) {
  compare(name, run(K.old), run(K.new));
}

const LENGTHS = [
  1, 3, 7, 15, 16, 17, 31, 33, 63, 64, 65, 100, 127, 129, 255, 256, 257, 511, 513, 1000, 4096, 4097,
];
for (const n of [...LENGTHS, 65537, 1 << 20]) {
  for (const scale of [1, 4, 12]) {
    const x = inputs(n, scale);
    const dy = inputs(n, 2);
    const acc = inputs(n, 1);
    both(`gelu n ${n}`, (k) => {
      const y = new Float32Array(n);
      k.gelu(x, y, n);
      const dx = new Float32Array(n);
      k.geluBackward(x, dy, dx, n, false);
      const dxa = acc.slice();
      k.geluBackward(x, dy, dxa, n, true);
      return [y, dx, dxa];
    });
  }
  const x = inputs(n, 3);
  const y0 = inputs(n, 1);
  const b = inputs(n, 3);
  for (const accumulate of [false, true]) {
    both(`dropout n ${n}`, (k) => {
      const y = y0.slice();
      const spec = {
        n,
        x,
        y,
        seed0: 0xffffffff - 1000,
        seed1: 987654321,
        threshold: 1677722,
        scale: 1 / 0.9,
      };
      k.dropout({ ...spec, accumulate });
      return [y];
    });
  }
  both(`add n ${n}`, (k) => {
    const y = new Float32Array(n);
    k.add(x, b, y, n);
    return [y];
  });
}
const ROWS_COLS = [
  [1, 1],
  [3, 7],
  [5, 8],
  [4, 17],
  [7, 33],
  [64, 128],
  [33, 100],
  [300, 128],
  [129, 257],
  [2048, 128],
  [64, 512],
  [16, 768],
  [3, 1000],
];
for (const [rows, cols] of ROWS_COLS) {
  const n = rows * cols;
  const x = inputs(n, 3);
  const gamma = inputs(cols, 1);
  const beta = inputs(cols, 1);
  const dy = inputs(n, 1);
  const dx0 = inputs(n, 1);
  const dg0 = inputs(cols, 1);
  const db0 = inputs(cols, 1);
  both(`layerNorm ${rows}x${cols}`, (k) => {
    const y = new Float32Array(n);
    const mean = new Float32Array(rows);
    const rstd = new Float32Array(rows);
    k.layerNorm({ rows, cols, eps: 1e-12, x, gamma, beta, y, mean, rstd });
    const dx = dx0.slice();
    const dgamma = dg0.slice();
    const dbeta = db0.slice();
    k.layerNormBackward({ rows, cols, x, gamma, mean, rstd, dy, dx, dgamma, dbeta });
    const dx2 = dx0.slice();
    const dg2 = dg0.slice();
    k.layerNormBackward({
      rows,
      cols,
      x,
      gamma,
      mean,
      rstd,
      dy,
      dx: dx2,
      dxAccumulate: false,
      dgamma: dg2,
      dbeta: null,
    });
    return [y, mean, rstd, dx, dgamma, dbeta, dx2, dg2];
  });
  for (const withBias of [false, true]) {
    both(`softmax ${rows}x${cols}`, (k) => {
      const y = new Float32Array(n);
      k.softmax({ rows, cols, x, y, ...(withBias ? { bias: gamma, rowsPerBias: rows } : {}) });
      const dx = dx0.slice();
      k.softmaxBackward(y, dy, dx, rows, cols, true);
      return [y, dx];
    });
  }
}
console.log(
  `bit identity: ${totals.outputs} outputs (${totals.elements} elements): ${totals.identical} identical, ` +
    `${totals.nanBitsOnly} differ only in a NaN's sign or payload (${totals.nanElements} elements), ` +
    `${totals.other} differ otherwise`,
);

if (!values['check-only']) {
  const rounds = Number(values.rounds);
  const median = (a) => [...a].sort((p, q) => p - q)[a.length >> 1];
  const time = (name, call, inner) => {
    const t = { old: [], new: [] };
    for (let r = 0; r < rounds; r++) {
      for (const which of r % 2 ? ['new', 'old'] : ['old', 'new']) {
        const t0 = process.hrtime.bigint();
        for (let j = 0; j < inner; j++) call(K[which]);
        t[which].push(Number(process.hrtime.bigint() - t0) / 1e6 / inner);
      }
    }
    const [mo, mn] = [median(t.old), median(t.new)];
    console.log(
      `${name}: old median ${mo.toFixed(3)} ms (min ${Math.min(...t.old).toFixed(3)}), ` +
        `new median ${mn.toFixed(3)} ms (min ${Math.min(...t.new).toFixed(3)}), new/old ${(mn / mo).toFixed(3)}`,
    );
  };
  // Ordinary values only: a denormal operand costs a microcode assist and would time that instead.
  const finite = (a) => a.map(() => (rnd() * 2 - 1) * 3);
  const n = 2048 * 512;
  const x = finite(inputs(n, 3));
  const dy = finite(inputs(n, 1));
  const y = new Float32Array(n);
  time('gelu 2048x512', (k) => k.gelu(x, y, n), 3);
  time('geluBackward 2048x512', (k) => k.geluBackward(x, dy, y, n, false), 3);
  const m = 2048 * 128;
  const drop = { n: m, x, y, seed0: 1, seed1: 2, threshold: 1677722, scale: 1 / 0.9, accumulate: false };
  time('dropout 2048x128', (k) => k.dropout(drop), 10);
  for (const [rows, cols] of [
    [2048, 128],
    [2048, 512],
  ]) {
    const gamma = finite(inputs(cols, 1));
    const mean = new Float32Array(rows);
    const rstd = new Float32Array(rows);
    const dgamma = new Float32Array(cols);
    const dbeta = new Float32Array(cols);
    const ln = { rows, cols, eps: 1e-12, x, gamma, beta: gamma, y, mean, rstd };
    K.old.layerNorm(ln);
    time(`layerNorm ${rows}x${cols}`, (k) => k.layerNorm(ln), 10);
    const back = { rows, cols, x, gamma, mean, rstd, dy, dx: y, dxAccumulate: false, dgamma, dbeta };
    time(`layerNormBackward ${rows}x${cols}`, (k) => k.layerNormBackward(back), 10);
  }
}
K.old.dispose();
K.new.dispose();
