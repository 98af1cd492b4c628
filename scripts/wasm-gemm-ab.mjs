// Compares two builds of the WebAssembly kernels inside one process: the baseline (a folder holding
// copies of main's build/*.wasm) and this checkout's build/. Each module is instantiated directly over
// its own memory and driven through gemm job blocks on this one thread; a job's `threads` slot still
// sets the plan (task sizes) as on that many threads, and tasks never depend on which thread runs them.
//   node --experimental-wasm-relaxed-simd scripts/wasm-gemm-ab.mjs check BASELINE_DIR
//   node --experimental-wasm-relaxed-simd scripts/wasm-gemm-ab.mjs time BASELINE_DIR [rounds] [filter] [fma|plain]
//   OLD_PKG=/tmp/oldpkg node scripts/wasm-gemm-ab.mjs time2 BASELINE_DIR [rounds] [filter] [fma|plain]
// `check` runs every case on both builds of every module kind (threads and single, plain and relaxed)
// and fails on any differing bit of C (NaN-only differences are counted apart). `time` alternates the
// two builds round by round on BERT-base's shapes, single thread, and prints medians by CPU time.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fill, gemmCase, rand, reseed } from './gemm-cases.mjs';

const [mode = 'check', baselineDir, roundsArg, filter, only] = process.argv.slice(2);
if (!baselineDir)
  throw new Error('usage: wasm-gemm-ab.mjs check|time BASELINE_DIR [rounds] [filter] [fma|plain]');
// WASM_AB_NEW: another folder to take the new build from (profiling variants).
const newDir = process.env.WASM_AB_NEW ?? fileURLToPath(new URL('../build/', import.meta.url));

const JOB = 1 << 16; // job block, far above the modules' static data
const HEAP = 1 << 20;
const OP_GEMM = 1;
const OP_GEMM_PACK_B = 14;
const PAGE = 65536;

/** One module instance over its own memory, with a bump allocator above HEAP. */
function instantiate(file, shared) {
  const module = new WebAssembly.Module(readFileSync(file));
  const memory = new WebAssembly.Memory({ initial: 32, maximum: 32768, shared });
  const instance = new WebAssembly.Instance(module, {
    env: {
      memory,
      abort: () => {
        throw new Error('abort');
      },
    },
  });
  const ex = instance.exports;
  if (ex.heapBase() > JOB) throw new Error('static data overlaps the job block');
  let top = HEAP;
  let callId = 0;
  return {
    ex,
    memory,
    reset() {
      top = HEAP;
    },
    alloc(bytes, misalign = 0) {
      top = Math.ceil(top / 64) * 64 + misalign;
      const p = top;
      top += bytes;
      const need = Math.ceil(top / PAGE);
      const have = memory.buffer.byteLength / PAGE;
      if (need > have) memory.grow(need - have);
      return p;
    },
    f32(p, n) {
      return new Float32Array(memory.buffer, p, n);
    },
    job(op, threads, args) {
      const i32 = new Int32Array(memory.buffer, JOB, 64);
      const f32 = new Float32Array(memory.buffer, JOB, 64);
      i32[0] = op;
      i32[1] = threads;
      i32[2] = 0;
      i32[3] = ++callId;
      args.forEach((v, i) => {
        if (typeof v === 'object') f32[4 + i] = v.f;
        else i32[4 + i] = v | 0;
      });
      ex.runJob(JOB, 0);
    },
  };
}

const KINDS = [
  { file: 'kernels.wasm', shared: true, fma: false },
  { file: 'kernels-single.wasm', shared: false, fma: false },
  { file: 'kernels-relaxed.wasm', shared: true, fma: true },
  { file: 'kernels-single-relaxed.wasm', shared: false, fma: true },
];

/** A case laid out (scripts/gemm-cases.mjs) plus how its C matrices lie and whether B is prepacked. */
function makeCase(s, specials) {
  const cs = gemmCase(s, specials);
  const { batch, m, ldc, cStride, cGroupStride } = cs;
  const cLayout =
    s.cLayout ?? (batch === 1 || cStride * 1 >= m * ldc ? 0 : cStride === 0 && cGroupStride === 0 ? 1 : 2);
  return { ...cs, cLayout, prepack: s.prepack ?? false };
}

/** Stages a case into an instance; returns a function that runs it and one that reads C. */
function stage(inst, cs, threads, misalign = 0) {
  inst.reset();
  const pa = inst.alloc(cs.a.length * 4, misalign);
  const pb = inst.alloc(cs.b.length * 4, misalign);
  const pc = inst.alloc(cs.c.length * 4, misalign);
  const pbias = cs.bias ? inst.alloc(cs.n * 4) : 0;
  const scratchStride =
    Math.ceil(inst.ex.gemmScratchBytes(cs.batch, cs.m, cs.n, cs.k, cs.cLayout, threads) / 64) * 64;
  const scratch = inst.alloc(scratchStride * threads);
  const prepacked = cs.prepack ? inst.alloc(inst.ex.gemmSharedBBytes(cs.m, cs.n, cs.k, threads)) : 0;
  inst.f32(pa, cs.a.length).set(cs.a);
  inst.f32(pb, cs.b.length).set(cs.b);
  if (pbias) inst.f32(pbias, cs.n).set(cs.bias);
  const resetC = () => inst.f32(pc, cs.c.length).set(cs.c);
  resetC();
  const run = () => {
    if (prepacked) {
      inst.job(OP_GEMM_PACK_B, threads, [cs.m, cs.n, cs.k, cs.tB ? 1 : 0, pb, cs.ldb, prepacked]);
    }
    inst.job(OP_GEMM, threads, [
      cs.batch,
      cs.m,
      cs.n,
      cs.k,
      cs.tA ? 1 : 0,
      cs.tB ? 1 : 0,
      pa,
      cs.aStride,
      pb,
      cs.bStride,
      pc,
      cs.cStride,
      { f: cs.alpha },
      { f: cs.beta },
      scratch,
      scratchStride,
      pbias,
      cs.lda,
      cs.ldb,
      cs.ldc,
      cs.group,
      cs.aGroupStride,
      cs.bGroupStride,
      cs.cGroupStride,
      cs.cLayout,
      prepacked,
    ]);
  };
  const read = () => new Uint32Array(inst.memory.buffer.slice(pc, pc + cs.c.length * 4));
  return { run, read, resetC };
}

function checkCases() {
  const cases = [];
  const dims = [1, 2, 3, 4, 5, 7, 8, 11, 12, 13, 16, 23, 24, 25, 31, 36, 47, 64, 65, 97, 130, 200];
  const pick = (xs) => xs[Math.floor(rand() * xs.length)];
  for (let i = 0; i < 220; i++) {
    const s = {
      m: pick(dims),
      n: pick(dims),
      k: pick([...dims, 255, 256, 257, 300, 513, 520]),
      tA: rand() < 0.5,
      tB: rand() < 0.5,
      alpha: pick([1, 1, 0.5, -1.25, 0.125]),
      beta: pick([0, 0, 1, 0.5, -2]),
      bias: rand() < 0.3,
    };
    if (rand() < 0.2) s.lda = (s.tA ? s.m : s.k) + pick([1, 3, 17]);
    if (rand() < 0.2) s.ldb = (s.tB ? s.k : s.n) + pick([1, 5]);
    if (rand() < 0.2) s.ldc = s.n + pick([2, 7]);
    if (rand() < 0.25) s.batch = pick([2, 3, 5]);
    if (s.batch && rand() < 0.3) s.bStride = 0; // one B for the whole batch
    if (s.batch && rand() < 0.2) {
      s.cStride = 0; // one C summing the batch
      s.cLayout = 1;
      s.beta = pick([0, 1]);
    }
    if (!s.batch && rand() < 0.25) s.prepack = true;
    cases.push(s);
  }
  // Big and BERT-like ones, where KC/NC/MC blocking and tasks split differently.
  for (const [m, k, n] of [
    [600, 768, 770],
    [130, 1030, 1100],
    [1000, 300, 520],
    [257, 2100, 130],
    [768, 1024, 768],
  ]) {
    for (const tA of [false, true])
      for (const tB of [false, true]) cases.push({ m, k, n, tA, tB, beta: tA ? 0.5 : 0, bias: tB });
  }
  // Attention's per-head products: 12 heads per sequence, batch of 2 sequences.
  cases.push({ batch: 24, group: 12, m: 64, n: 64, k: 64, tB: true, alpha: 0.125 });
  cases.push({ batch: 24, group: 12, m: 64, n: 64, k: 64, alpha: 1 });
  return cases;
}

function same(x, y) {
  let bits = 0;
  let nanOnly = 0;
  for (let i = 0; i < x.length; i++) {
    if (x[i] === y[i]) continue;
    const xn = (x[i] & 0x7f800000) === 0x7f800000 && (x[i] & 0x7fffff) !== 0;
    const yn = (y[i] & 0x7f800000) === 0x7f800000 && (y[i] & 0x7fffff) !== 0;
    if (xn && yn) nanOnly++;
    else bits++;
  }
  return { bits, nanOnly };
}

function check() {
  const cases = checkCases();
  let failed = 0;
  let nanOnlyTotal = 0;
  let runs = 0;
  for (const kind of KINDS) {
    const oldI = instantiate(join(baselineDir, kind.file), kind.shared);
    const newI = instantiate(join(newDir, kind.file), kind.shared);
    reseed(777);
    for (const s of cases) {
      const cs = makeCase(s, rand() < 0.5);
      for (const threads of [1, 2, 3]) {
        const misalign = rand() < 0.3 ? 4 : 0;
        const o = stage(oldI, cs, threads, misalign);
        o.run();
        const x = o.read();
        const nw = stage(newI, cs, threads, misalign);
        nw.run();
        const y = nw.read();
        // The same build on another plan, too: results never depend on the thread count.
        const r = same(x, y);
        runs++;
        nanOnlyTotal += r.nanOnly;
        if (r.bits) {
          failed++;
          if (failed < 10)
            console.log(`DIFF ${kind.file} threads ${threads}: ${r.bits} elements`, JSON.stringify(s));
        }
      }
    }
    console.log(`${kind.file}: ${cases.length} cases x 3 plans checked`);
  }
  console.log(`${runs} runs, ${failed} with differing bits, ${nanOnlyTotal} NaN-payload-only elements`);
  if (failed) process.exit(1);
}

const SHAPES = [
  { m: 4096, k: 768, n: 768, tA: false, tB: false },
  { m: 4096, k: 768, n: 768, tA: false, tB: true },
  { m: 768, k: 4096, n: 768, tA: true, tB: false },
  { m: 4096, k: 768, n: 3072, tA: false, tB: true },
  { m: 4096, k: 3072, n: 768, tA: false, tB: false },
  { m: 3072, k: 4096, n: 768, tA: true, tB: false },
  { m: 4096, k: 3072, n: 768, tA: false, tB: true },
  { m: 4096, k: 768, n: 3072, tA: false, tB: false },
  { m: 768, k: 4096, n: 3072, tA: true, tB: false },
];

function cpuSeconds(f) {
  const c0 = process.cpuUsage();
  f();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1e6;
}

function median(v) {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function time() {
  const rounds = Number(roundsArg ?? 5);
  const kinds = KINDS.filter((k) => !k.shared && (only === undefined || (only === 'fma') === k.fma));
  for (const kind of kinds) {
    const insts = [
      instantiate(join(baselineDir, kind.file), false),
      instantiate(join(newDir, kind.file), false),
    ];
    for (const shape of SHAPES) {
      const name = `${shape.m}x${shape.k}x${shape.n}${shape.tA ? ' tA' : ''}${shape.tB ? ' tB' : ''}`;
      if (filter && filter !== 'all' && !name.includes(filter)) continue;
      reseed(1);
      const cs = makeCase(shape, false);
      const runs = insts.map((inst) => stage(inst, cs, 1));
      const flops = 2 * shape.m * shape.n * shape.k;
      runs.forEach((r) => r.run()); // warm-up (tier-up, page faults)
      const secs = [[], []];
      for (let round = 0; round < rounds; round++) {
        for (const i of round % 2 ? [1, 0] : [0, 1]) secs[i].push(cpuSeconds(runs[i].run));
      }
      const g = secs.map((s) => flops / median(s) / 1e9);
      console.log(
        `${kind.fma ? 'relaxed' : 'plain  '} ${name.padEnd(22)} old ${g[0].toFixed(1)} new ${g[1].toFixed(1)} GFLOP/s per CPU second (${((g[1] / g[0] - 1) * 100).toFixed(1)} %)`,
      );
    }
    // The per-thread peak loop, by CPU time (the denominator of bench matmul's fraction).
    const peak = insts.map((inst) => {
      let best = 0;
      for (let r = 0; r < 3; r++) {
        const sink = inst.alloc(64);
        const it = 10_000_000;
        const s = cpuSeconds(() => inst.job(inst.ex.OP_PEAK.value, 1, [it, sink]));
        best = Math.max(best, (it * inst.ex.PEAK_FLOPS_PER_ITERATION.value) / s / 1e9);
      }
      return best;
    });
    console.log(
      `${kind.fma ? 'relaxed' : 'plain  '} peak loop old ${peak[0].toFixed(1)} new ${peak[1].toFixed(1)} GFLOP/s per CPU second`,
    );
  }
}

/**
 * The library's own backend on `threads` threads (workers, shared packing, as `bench matmul` runs it),
 * old and new alternating; flops per CPU second of all threads together (bench matmul's cpu_gflops_per_thread).
 * The old backend comes from a copy of this package whose build/ holds main's modules (OLD_PKG).
 */
async function timeThreads() {
  const rounds = Number(roundsArg ?? 5);
  const threads = Number(process.env.WASM_AB_THREADS ?? 2);
  const oldPkg = process.env.OLD_PKG ?? '/tmp/oldpkg';
  const mods = [
    await import(join(oldPkg, 'dist/src/kernels/wasm/index.js')),
    await import(new URL('../dist/src/kernels/wasm/index.js', import.meta.url).href),
  ];
  // Each package's own bench/matmul peaks(): it recognises only its own kernels' class.
  const benches = [
    await import(join(oldPkg, 'dist/bench/matmul.js')),
    await import(new URL('../dist/bench/matmul.js', import.meta.url).href),
  ];
  for (const fma of only === undefined ? [true, false] : [only === 'fma']) {
    const ks = [];
    for (const mod of mods) ks.push(await mod.createWasmKernels({ threads, fma }));
    const peak = ks.map((k, i) => benches[i].peaks(k).oneByCpu);
    const label = fma ? 'relaxed' : 'plain  ';
    console.log(`${label} peak by CPU time (1 thread) old ${peak[0].toFixed(1)} new ${peak[1].toFixed(1)}`);
    for (const shape of SHAPES) {
      const name = `${shape.m}x${shape.k}x${shape.n}${shape.tA ? ' tA' : ''}${shape.tB ? ' tB' : ''}`;
      if (filter && filter !== 'all' && !name.includes(filter)) continue;
      reseed(1);
      const a = fill(shape.m * shape.k, false);
      const b = fill(shape.k * shape.n, false);
      const specs = ks.map((k) => {
        const wa = k.borrowFloats(a.length, false);
        const wb = k.borrowFloats(b.length, false);
        const wc = k.borrowFloats(shape.m * shape.n, false);
        wa.set(a);
        wb.set(b);
        return {
          batch: 1,
          m: shape.m,
          n: shape.n,
          k: shape.k,
          transA: shape.tA,
          transB: shape.tB,
          a: wa,
          aOffset: 0,
          aStride: 0,
          b: wb,
          bOffset: 0,
          bStride: 0,
          c: wc,
          cOffset: 0,
          cStride: 0,
          alpha: 1,
          beta: 0,
          bias: null,
          biasOffset: 0,
          wa,
          wb,
          wc,
        };
      });
      const flops = 2 * shape.m * shape.n * shape.k;
      const secs = [[], []];
      for (let i = 0; i < 2; i++) ks[i].gemm(specs[i]);
      for (let round = 0; round < rounds; round++) {
        for (const i of round % 2 ? [1, 0] : [0, 1]) {
          secs[i].push(
            cpuSeconds(() => {
              ks[i].gemm(specs[i]);
              ks[i].gemm(specs[i]);
            }) / 2,
          );
        }
      }
      const g = secs.map((s) => flops / median(s) / 1e9);
      const same =
        Buffer.compare(
          Buffer.from(specs[0].wc.buffer, specs[0].wc.byteOffset, specs[0].wc.byteLength),
          Buffer.from(specs[1].wc.buffer, specs[1].wc.byteOffset, specs[1].wc.byteLength),
        ) === 0;
      console.log(
        `${label} ${name.padEnd(22)} old ${g[0].toFixed(1)} (${(g[0] / peak[0]).toFixed(2)}) new ${g[1].toFixed(1)} (${(g[1] / peak[1]).toFixed(2)}) GFLOP/s per thread by CPU time (${((g[1] / g[0] - 1) * 100).toFixed(1)} %)${same ? '' : ' C DIFFERS'}`,
      );
      for (let i = 0; i < 2; i++)
        for (const w of [specs[i].wc, specs[i].wb, specs[i].wa]) ks[i].returnFloats(w);
    }
    for (const k of ks) k.dispose();
  }
}

if (mode === 'check') check();
else if (mode === 'time') time();
else if (mode === 'time2') await timeThreads();
else throw new Error(`unknown mode ${mode}`);
