// Compares two builds of the native addon inside one process: the baseline (a copy of main's
// lora_lab_native.node) and this checkout's. `check` hashes C of both on many shapes, layouts,
// alpha/beta/bias variants, thread counts and special values (NaN, ±0, ±inf, denormals) and fails on
// any differing bit; `time` alternates the two builds round by round on the study's GEMM shapes and
// prints medians (the host's speed drifts, so two separate runs cannot be compared).
//   node scripts/native-gemm-ab.mjs check BASELINE.node
//   node scripts/native-gemm-ab.mjs time BASELINE.node [rounds] [shape-filter] (e.g. bert-base)
//   node scripts/native-gemm-ab.mjs train BASELINE.node [rounds] [model,method] (bench train's steps, batch 16)
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { NativeKernels } from '../dist/src/kernels/native/index.js';
import { useKernels } from '../dist/src/kernels/active.js';
import { benchModel } from '../dist/bench/train.js';
import { gemmCase, rand } from './gemm-cases.mjs';

const [mode = 'check', baselinePath, roundsArg, filter] = process.argv.slice(2);
if (!baselinePath) throw new Error('usage: native-gemm-ab.mjs check|time BASELINE.node [rounds] [filter]');
const require = createRequire(import.meta.url);
const oldAddon = require(baselinePath);
const newAddon = require(
  fileURLToPath(new URL('../native/build/Release/lora_lab_native.node', import.meta.url)),
);

/** A case laid out (scripts/gemm-cases.mjs) in the addon's spec: operands at offset 0. */
function makeSpec(s, specials) {
  const { tA, tB, ...cs } = gemmCase(s, specials);
  return { ...cs, transA: tA, transB: tB, aOffset: 0, bOffset: 0, cOffset: 0, biasOffset: 0 };
}

/** Attention's per-head products: [B, T, H·D] operands (named in `inPlace`) in place, T×T ones contiguous. */
function heads(count, group, m, n, k, tA, tB, inPlace, beta = 0) {
  const d = 64;
  const T = 128;
  const s = { batch: count, group, m, n, k, tA, tB, beta };
  for (const name of inPlace) {
    s[`ld${name}`] = group * d;
    s[`${name}Stride`] = d;
    s[`${name}GroupStride`] = T * group * d;
  }
  return s;
}

const STUDY = [
  // Small-BERT full training
  { name: 'small dW 256x256x2048 tA b0', m: 256, n: 256, k: 2048, tA: true },
  { name: 'small dW 256x512x2048 tA b0', m: 256, n: 512, k: 2048, tA: true },
  { name: 'small dW 512x256x2048 tA b0', m: 512, n: 256, k: 2048, tA: true },
  { name: 'small fwd 2048x256x256 tB bias', m: 2048, n: 256, k: 256, tB: true, bias: true },
  { name: 'small dX 2048x256x256 b1', m: 2048, n: 256, k: 256, beta: 1 },
  { name: 'small dX 2048x512x256 b0', m: 2048, n: 512, k: 256 },
  { name: 'small att 64x 128x64x128 tA', ...heads(64, 4, 128, 64, 128, true, false, 'bc') },
  { name: 'small att 64x 128x128x64 tB', ...heads(64, 4, 128, 128, 64, false, true, 'ab') },
  { name: 'small att 64x 128x64x128', ...heads(64, 4, 128, 64, 128, false, false, 'bc') },
  // bert-tiny full training
  { name: 'tiny dW 128x128x2048 tA b0', m: 128, n: 128, k: 2048, tA: true },
  { name: 'tiny dW 128x512x2048 tA b0', m: 128, n: 512, k: 2048, tA: true },
  { name: 'tiny dW 512x128x2048 tA b0', m: 512, n: 128, k: 2048, tA: true },
  { name: 'tiny att 32x 128x64x128 tA', ...heads(32, 2, 128, 64, 128, true, false, 'bc') },
  { name: 'tiny att 32x 128x128x64 tB', ...heads(32, 2, 128, 128, 64, false, true, 'ab') },
  { name: 'tiny att 32x 128x64x128', ...heads(32, 2, 128, 64, 128, false, false, 'bc') },
  // bert-tiny LoRA
  { name: 'lora 2048x128x512 b1', m: 2048, n: 128, k: 512, beta: 1 },
  { name: 'lora 2048x128x128 tB bias', m: 2048, n: 128, k: 128, tB: true, bias: true },
  { name: 'lora 2048x128x512 tB bias', m: 2048, n: 128, k: 512, tB: true, bias: true },
  { name: 'lora 2048x512x128 tB bias', m: 2048, n: 512, k: 128, tB: true, bias: true },
  { name: 'lora 2048x512x128 b0', m: 2048, n: 512, k: 128 },
  { name: 'lora r8 128x8x2048 tA', m: 128, n: 8, k: 2048, tA: true },
  { name: 'lora r8 8x128x2048 tA', m: 8, n: 128, k: 2048, tA: true },
  { name: 'lora r8 2048x8x128', m: 2048, n: 8, k: 128 },
  { name: 'lora r8 2048x8x128 tB', m: 2048, n: 8, k: 128, tB: true },
  { name: 'lora r8 2048x128x8 tB', m: 2048, n: 128, k: 8, tB: true },
  { name: 'lora r8 2048x128x8 b1', m: 2048, n: 128, k: 8, beta: 1 },
  // BERT-base's weight gradients (priority 2)
  { name: 'base dW 768x768x4096 tA', m: 768, n: 768, k: 4096, tA: true },
  { name: 'base dW 768x3072x4096 tA', m: 768, n: 3072, k: 4096, tA: true },
  { name: 'base dW 3072x768x4096 tA', m: 3072, n: 768, k: 4096, tA: true },
];

// `bench matmul --shapes bert-base` (bench/matmul.ts): timed only, too large for `check`'s many variants.
const BERT_BASE = [
  { name: 'bert-base 4096x768x768', m: 4096, k: 768, n: 768 },
  { name: 'bert-base 4096x768x768 tB', m: 4096, k: 768, n: 768, tB: true },
  { name: 'bert-base 768x4096x768 tA', m: 768, k: 4096, n: 768, tA: true },
  { name: 'bert-base 4096x768x3072 tB', m: 4096, k: 768, n: 3072, tB: true },
  { name: 'bert-base 4096x3072x768', m: 4096, k: 3072, n: 768 },
  { name: 'bert-base 3072x4096x768 tA', m: 3072, k: 4096, n: 768, tA: true },
  { name: 'bert-base 4096x3072x768 tB', m: 4096, k: 3072, n: 768, tB: true },
  { name: 'bert-base 4096x768x3072', m: 4096, k: 768, n: 3072 },
  { name: 'bert-base 768x4096x3072 tA', m: 768, k: 4096, n: 3072, tA: true },
  // Attention's per-head products at batch 32 (384 heads of 128 tokens, 64 wide): forward QK^T and PV,
  // backward dP, dV/dK (A transposed) and dQ.
  { name: 'base att 384x 128x128x64 tB', ...heads(384, 12, 128, 128, 64, false, true, 'ab') },
  { name: 'base att 384x 128x64x128', ...heads(384, 12, 128, 64, 128, false, false, 'bc') },
  { name: 'base att 384x 128x64x128 tA', ...heads(384, 12, 128, 64, 128, true, false, 'bc') },
];

function kernelsOf(addon, threads) {
  // AB_NEW_ISA=generic runs the new build without fused multiply-add: `check` must then fail, which
  // shows that it can.
  // AB_ISA=generic compares both builds' generic kernels.
  const isa = (addon === newAddon ? process.env.AB_NEW_ISA : undefined) ?? process.env.AB_ISA;
  return new NativeKernels(addon, { threads, parallelMinNs: 0, isa });
}

function bitsOf(c) {
  return createHash('sha256')
    .update(new Uint8Array(c.buffer, c.byteOffset, c.byteLength))
    .digest('hex');
}

/**
 * Runs both builds on the same inputs (C restored in between): 'same' bit for bit, 'nan' where the only
 * differences are a NaN's sign or payload (which NaN operand x86 passes on depends on operand order),
 * 'different' otherwise.
 */
function compareBuilds(ko, kn, spec) {
  const c0 = spec.c.slice();
  ko.gemm(spec);
  const cOld = spec.c.slice();
  spec.c.set(c0);
  kn.gemm(spec);
  if (bitsOf(cOld) === bitsOf(spec.c)) return 'same';
  const oldBits = new Uint32Array(cOld.buffer);
  const newBits = new Uint32Array(spec.c.buffer, spec.c.byteOffset, spec.c.length);
  let at = -1;
  for (let i = 0; i < oldBits.length && at < 0; i++) {
    if (oldBits[i] !== newBits[i] && !(Number.isNaN(cOld[i]) && Number.isNaN(spec.c[i]))) at = i;
  }
  if (at < 0) return 'nan';
  if (process.env.AB_SHOW) {
    console.log(
      `  first difference at ${at}: old ${oldBits[at].toString(16)} new ${newBits[at].toString(16)}`,
    );
  }
  return 'different';
}

function check() {
  const ODD = [1, 2, 5, 7, 8, 13, 17, 31, 64, 97, 130, 255, 257];
  const cases = [];
  for (const s of STUDY) {
    for (const alpha of [1, 0.37]) {
      for (const beta of [0, 1, -0.6]) {
        for (const bias of [false, true]) cases.push({ ...s, alpha, beta, bias, name: s.name });
      }
    }
  }
  for (let i = 0; i < 400; i++) {
    const pick = (xs) => xs[Math.floor(rand() * xs.length)];
    const m = pick([...ODD, 300, 600, 2048]);
    const n = pick(ODD);
    const k = pick([...ODD, 511, 513, 1000, 2048]);
    const tA = rand() < 0.5;
    const tB = rand() < 0.5;
    const batch = pick([1, 1, 1, 3, 8]);
    const pad = pick([0, 0, 3]);
    cases.push({
      name: `random ${batch}x ${m}x${n}x${k}${tA ? ' tA' : ''}${tB ? ' tB' : ''} pad ${pad}`,
      batch,
      m,
      n,
      k,
      tA,
      tB,
      lda: (tA ? m : k) + pad,
      ldb: (tB ? k : n) + pad,
      ldc: n + pad,
      alpha: pick([1, 0.37, -2]),
      beta: pick([0, 1, 0.5]),
      bias: rand() < 0.3,
    });
  }
  let checked = 0;
  let failed = 0;
  let nanOnly = 0;
  let isa = '';
  for (const threads of [1, 2, 3]) {
    const ko = kernelsOf(oldAddon, threads);
    const kn = kernelsOf(newAddon, threads);
    isa = kn.isa;
    for (const c of cases) {
      if (process.env.AB_ONLY && !c.name.includes(process.env.AB_ONLY)) continue;
      if (threads !== 2 && c.m * c.n * c.k * (c.batch ?? 1) > 3e8) continue;
      for (const specials of [false, true]) {
        const spec = makeSpec(c, specials);
        checked++;
        const outcome = compareBuilds(ko, kn, spec);
        if (outcome === 'nan') nanOnly++;
        if (outcome === 'different') {
          failed++;
          console.log(
            `DIFFERENT: ${c.name} alpha ${c.alpha} beta ${c.beta} bias ${!!c.bias} threads ${threads} specials ${specials}`,
          );
        }
      }
    }
    ko.dispose();
    kn.dispose();
  }
  console.log(
    `bit identity (${isa}): ${checked - failed - nanOnly} of ${checked} cases identical, ` +
      `${nanOnly} differ only in a NaN's sign or payload, ${failed} otherwise (threads 1, 2, 3)`,
  );
  if (failed) process.exitCode = 1;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function time() {
  const rounds = Number(roundsArg ?? 31);
  // AB_THREADS=1 times one thread (2 by default).
  const threads = Number(process.env.AB_THREADS ?? 2);
  const ko = kernelsOf(oldAddon, threads);
  const kn = kernelsOf(newAddon, threads);
  for (const s of [...STUDY, ...BERT_BASE]) {
    if (filter && !s.name.includes(filter)) continue;
    const spec = makeSpec(s, false);
    const flop = 2 * (s.batch ?? 1) * s.m * s.n * s.k;
    // Calls per sample: about 2 ms of work at 100 GFLOP/s, so that the two builds alternate faster
    // than the host's speed changes.
    const reps = Math.max(1, Math.round(2e8 / flop));
    // AB_CPU=1: the CPU time the process used (all its threads) instead of the wall time, which a
    // host that takes a core away now and then cannot halve.
    const cpu = process.env.AB_CPU === '1';
    const sample = (k) => {
      const t0 = process.hrtime.bigint();
      const c0 = process.cpuUsage();
      for (let r = 0; r < reps; r++) k.gemm(spec);
      if (cpu) {
        const c = process.cpuUsage(c0);
        return (c.user + c.system) / 1e6 / reps;
      }
      return Number(process.hrtime.bigint() - t0) / 1e9 / reps;
    };
    sample(ko);
    sample(kn);
    const to = [];
    const tn = [];
    for (let r = 0; r < rounds; r++) {
      // Which build goes first alternates too.
      if (r % 2 === 0) {
        to.push(sample(ko));
        tn.push(sample(kn));
      } else {
        tn.push(sample(kn));
        to.push(sample(ko));
      }
    }
    // Each round's two samples ran back to back: the median of their ratios is the steadiest measure.
    const speedup = median(to.map((t, i) => t / tn[i]));
    const gOld = flop / median(to) / 1e9;
    const gNew = flop / median(tn) / 1e9;
    const bOld = flop / Math.min(...to) / 1e9;
    const bNew = flop / Math.min(...tn) / 1e9;
    console.log(
      `${s.name.padEnd(34)} median GFLOP/s old ${gOld.toFixed(1).padStart(6)} new ${gNew.toFixed(1).padStart(6)} ` +
        `(pairs ${speedup.toFixed(3)}x)   best old ${bOld.toFixed(1).padStart(6)} new ${bNew.toFixed(1).padStart(6)}`,
    );
  }
  ko.dispose();
  kn.dispose();
}

/** Training steps (bench train --batch 16 --seq 128), the two builds alternated round by round. */
function train() {
  const rounds = Number(roundsArg ?? 7);
  const [model = 'small', method = 'full'] = (filter ?? '').split(',').filter(Boolean);
  const ko = new NativeKernels(oldAddon, { threads: 2 });
  const kn = new NativeKernels(newAddon, { threads: 2 });
  const run = (k) => {
    useKernels(k);
    return benchModel({ model, method, mode: 'train', batch: 16, seq: 128, steps: 4, warmup: 1 })
      .step_seconds;
  };
  const to = [];
  const tn = [];
  const ratios = [];
  for (let r = 0; r < rounds; r++) {
    const [o, n] = r % 2 === 0 ? [run(ko), run(kn)] : [run(kn), run(ko)].reverse();
    to.push(...o);
    tn.push(...n);
    ratios.push(median(o) / median(n));
  }
  const ms = (x) => (1000 * x).toFixed(1);
  console.log(
    `${model} ${method} batch 16: ms/step median old ${ms(median(to))} new ${ms(median(tn))}, ` +
      `median of the rounds' old/new ${median(ratios).toFixed(3)}x, min old ${ms(Math.min(...to))} ` +
      `new ${ms(Math.min(...tn))}, ${rounds} rounds of 4 steps`,
  );
  ko.dispose();
  kn.dispose();
}

if (mode === 'check') check();
else if (mode === 'train') train();
else time();
