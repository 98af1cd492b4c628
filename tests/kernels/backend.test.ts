import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { UserError } from '../../src/errors.js';
import { allocWasmF32, createKernels, nativeKernelsBuilt, profiler } from '../../src/kernels/index.js';
import { gemmReference } from '../../src/kernels/reference/gemm.js';
import type { GemmSpec } from '../../src/kernels/kernels.js';

const kernelsIndex = fileURLToPath(new URL('../../src/kernels/index.ts', import.meta.url));

test('createKernels: native by default where it was built (else wasm), reference on request, threads as asked', async () => {
  const fast = await createKernels({ threads: 2 });
  try {
    assert.equal(fast.name, nativeKernelsBuilt() ? 'native' : 'wasm');
    assert.equal(fast.threads, 2);
  } finally {
    fast.dispose();
  }
  const ref = await createKernels({ backend: 'reference' });
  assert.equal(ref.name, 'reference');
});

test('createKernels: the default thread count comes from LORA_LAB_THREADS', async () => {
  const saved = process.env.LORA_LAB_THREADS;
  try {
    process.env.LORA_LAB_THREADS = '1';
    const k = await createKernels();
    assert.equal(k.threads, 1);
    k.dispose();
    process.env.LORA_LAB_THREADS = 'lots';
    await assert.rejects(
      createKernels(),
      (e: unknown) => e instanceof UserError && /LORA_LAB_THREADS/.test(e.message),
    );
  } finally {
    if (saved === undefined) delete process.env.LORA_LAB_THREADS;
    else process.env.LORA_LAB_THREADS = saved;
  }
});

/** Which way a tiny add ran on a fresh 2-thread backend, with LORA_LAB_PARALLEL_MIN_NS set to `value`. */
async function tinyJobRan(value: string | undefined): Promise<string[]> {
  const saved = process.env.LORA_LAB_PARALLEL_MIN_NS;
  if (value === undefined) delete process.env.LORA_LAB_PARALLEL_MIN_NS;
  else process.env.LORA_LAB_PARALLEL_MIN_NS = value;
  try {
    const k = await createKernels({ backend: 'wasm', threads: 2 });
    profiler.reset();
    profiler.enabled = true;
    try {
      const x = new Float32Array(8).fill(1);
      k.add(x, x, x, x.length);
      assert.deepEqual([...x], new Array<number>(8).fill(2));
      return profiler
        .entries()
        .map((e) => e.name)
        .filter((name) => name.startsWith('wasm:job'));
    } finally {
      profiler.enabled = false;
      profiler.reset();
      k.dispose();
    }
  } finally {
    if (saved === undefined) delete process.env.LORA_LAB_PARALLEL_MIN_NS;
    else process.env.LORA_LAB_PARALLEL_MIN_NS = saved;
  }
}

test('createKernels: LORA_LAB_PARALLEL_MIN_NS=0 sends even a tiny job through the threads; a bad value is a UserError', async () => {
  assert.deepEqual(await tinyJobRan(undefined), ['wasm:job (main thread only)']);
  assert.deepEqual(await tinyJobRan('0'), ['wasm:job (threads)']);
  for (const bad of ['-1', 'soon']) {
    await assert.rejects(
      tinyJobRan(bad),
      (e: unknown) => e instanceof UserError && /LORA_LAB_PARALLEL_MIN_NS/.test(e.message),
      bad,
    );
  }
});

test('createKernels: a thread count outside 1..256 is a UserError naming the range', async () => {
  for (const threads of [0, -1, 1.5, 257, Number.NaN]) {
    await assert.rejects(
      createKernels({ threads }),
      (e: unknown) => e instanceof UserError && /from 1 to 256/.test(e.message),
      `threads ${threads}`,
    );
  }
});

test('arrays from allocWasmF32 are used in place and stay valid when the memory grows', async () => {
  const k = await createKernels({ backend: 'wasm', threads: 2 });
  try {
    const n = 64;
    const a = allocWasmF32(k, n * n);
    const b = allocWasmF32(k, n * n);
    for (let i = 0; i < n * n; i++) {
      a[i] = (i % 7) - 3;
      b[i] = (i % 5) - 2;
    }
    // Forces the memory to grow well past where a and b were placed.
    const big = allocWasmF32(k, 40_000_000);
    assert.equal(big[big.length - 1], 0);
    const c = allocWasmF32(k, n * n);
    const spec = (cc: Float32Array): GemmSpec => ({
      batch: 1,
      m: n,
      n,
      k: n,
      transA: false,
      transB: false,
      a,
      aOffset: 0,
      aStride: 0,
      b,
      bOffset: 0,
      bStride: 0,
      c: cc,
      cOffset: 0,
      cStride: 0,
      alpha: 1,
      beta: 0,
    });
    k.gemm(spec(c));
    const want = new Float32Array(n * n);
    gemmReference(spec(want));
    assert.deepEqual(Float32Array.from(c), want);
    // The reference backend gets ordinary arrays.
    const ref = await createKernels({ backend: 'reference' });
    assert.ok(!(allocWasmF32(ref, 4).buffer instanceof SharedArrayBuffer));
  } finally {
    k.dispose();
  }
});

test('a disposed backend refuses work', async () => {
  const k = await createKernels({ backend: 'wasm', threads: 2 });
  k.dispose();
  const x = new Float32Array(100_000);
  assert.throws(() => k.gelu(x, x, x.length), /disposed/);
});

/** Runs a script in a fresh Node (with tsx) and returns how it ended. */
function runScript(body: string): { status: number | null; stderr: string; timedOut: boolean } {
  const script = `import { createKernels } from ${JSON.stringify(kernelsIndex)};\n${body}`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { status: r.status, stderr: r.stderr, timedOut: r.error !== undefined };
}

const WORK = `
const k = await createKernels({ backend: 'wasm', threads: 2 });
const x = new Float32Array(200000).fill(0.5);
k.gelu(x, x, x.length);
if (Math.abs(x[0] - 0.345731) > 1e-5) throw new Error('wrong gelu ' + x[0]);
`;

test('the process exits after dispose, and also when dispose is forgotten', () => {
  for (const body of [`${WORK}\nk.dispose();`, WORK]) {
    const r = runScript(body);
    assert.equal(r.timedOut, false, 'the process hung');
    assert.equal(r.status, 0, r.stderr);
  }
});
