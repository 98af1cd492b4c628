import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { UserError } from '../../src/errors.js';
import { createKernels, WasmKernels } from '../../src/kernels/index.js';
import type { GemmSpec } from '../../src/kernels/kernels.js';
import { createWasmKernels } from '../../src/kernels/wasm/index.js';
import { RELAXED_SIMD_PROBE, relaxedSimdValidates } from '../../src/kernels/wasm/relaxed-simd-probe.js';
import { enableRelaxedSimd } from '../../src/kernels/wasm/relaxed-simd.js';

// The relaxed-SIMD build of the kernels (build/kernels-relaxed.wasm): fused multiply-add in the GEMM,
// chosen in Node only when asked for (LORA_LAB_WASM_FMA=1), which turns on V8's flag for relaxed SIMD
// at run time. node --test runs this file in its own process, so the flag starts off here (Node 20).

/** Whether a worker thread started now validates relaxed SIMD (started as the kernel workers are). */
function validatesInWorker(): Promise<boolean> {
  const code = `const { parentPort, workerData } = require('node:worker_threads');
parentPort.postMessage(WebAssembly.validate(workerData));`;
  const worker = new Worker(code, { eval: true, workerData: RELAXED_SIMD_PROBE, execArgv: [] });
  return new Promise<boolean>((resolve, reject) => {
    worker.once('message', (ok: boolean) => resolve(ok));
    worker.once('error', reject);
  }).finally(() => void worker.terminate());
}

test("V8's flag set at run time turns relaxed SIMD on for the main thread and for worker threads started after it", async (t) => {
  const major = Number(process.versions.node.split('.')[0]);
  if (relaxedSimdValidates()) {
    // Newer Node (V8 11.4 and later) has relaxed SIMD on by default: nothing to turn on.
    assert.ok(major > 20, `Node ${process.version} validated relaxed SIMD before the flag was set`);
    t.diagnostic(`Node ${process.version} has relaxed SIMD without a flag`);
  } else {
    assert.equal(await validatesInWorker(), false, 'off in a worker before the flag too');
  }
  assert.equal(enableRelaxedSimd(), true);
  assert.equal(relaxedSimdValidates(), true);
  assert.equal(await validatesInWorker(), true);
});

/**
 * C = A·B with every row of A [−1, 1 + 2⁻¹²] and every column of B [1, 1 + 2⁻¹²]: (1 + 2⁻¹²)² =
 * 1 + 2⁻¹¹ + 2⁻²⁴ is no float32 (it rounds to 1 + 2⁻¹¹), so a multiply then an add gives 2⁻¹¹ and a
 * fused multiply-add, which rounds once, 2⁻¹¹ + 2⁻²⁴.
 */
function fusedProbe(kernels: WasmKernels): Float32Array {
  const [m, n, k] = [64, 40, 2];
  const e = 1 + 2 ** -12;
  const a = new Float32Array(m * k);
  const b = new Float32Array(k * n);
  for (let i = 0; i < m; i++) a.set([-1, e], i * k);
  b.fill(1, 0, n).fill(e, n);
  const c = new Float32Array(m * n);
  const spec: GemmSpec = {
    batch: 1,
    m,
    n,
    k,
    transA: false,
    transB: false,
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
  };
  kernels.gemm(spec);
  return c;
}

const cpuHasFma = (() => {
  try {
    return /^flags\s*:.*\bfma\b/m.test(readFileSync('/proc/cpuinfo', 'utf8'));
  } catch {
    return false;
  }
})();

test('the relaxed build fuses the GEMM multiply-add on every thread; the plain build does not', async (t) => {
  assert.ok(enableRelaxedSimd());
  for (const threads of [1, 2]) {
    const plain = await createWasmKernels({ threads, parallelMinNs: 0 });
    const fused = await createWasmKernels({ threads, parallelMinNs: 0, fma: true });
    try {
      assert.equal(plain.fma, false, 'plain unless asked for');
      assert.equal(fused.fma, true);
      assert.ok(
        fusedProbe(plain).every((v) => v === 2 ** -11),
        `${threads} thread(s): plain gives 2^-11`,
      );
      const got = fusedProbe(fused);
      if (cpuHasFma) {
        assert.ok(
          got.every((v) => v === 2 ** -11 + 2 ** -24),
          `${threads} thread(s): fused gives 2^-11 + 2^-24`,
        );
      } else {
        // relaxed_madd may run as a multiply then an add where the CPU has no FMA.
        t.diagnostic('this CPU has no FMA: relaxed_madd need not fuse');
        assert.ok(got.every((v) => v === 2 ** -11 || v === 2 ** -11 + 2 ** -24));
      }
    } finally {
      plain.dispose();
      fused.dispose();
    }
  }
});

test('createKernels: the wasm backend is the plain build unless LORA_LAB_WASM_FMA=1 or fma: true; other values are a UserError', async () => {
  const saved = process.env.LORA_LAB_WASM_FMA;
  const build = async (env: string | undefined, fma?: boolean): Promise<boolean> => {
    if (env === undefined) delete process.env.LORA_LAB_WASM_FMA;
    else process.env.LORA_LAB_WASM_FMA = env;
    const kernels = await createKernels({
      backend: 'wasm',
      threads: 1,
      ...(fma === undefined ? {} : { fma }),
    });
    try {
      assert.ok(kernels instanceof WasmKernels);
      return kernels.fma;
    } finally {
      kernels.dispose();
    }
  };
  try {
    assert.equal(await build(undefined), false);
    assert.equal(await build(''), false);
    assert.equal(await build('0'), false);
    assert.equal(await build('1'), true);
    assert.equal(await build(' 1 '), true);
    assert.equal(await build('1', false), false, 'the option wins over the environment');
    assert.equal(await build(undefined, true), true);
    await assert.rejects(
      build('yes'),
      (e: unknown) => e instanceof UserError && /LORA_LAB_WASM_FMA must be 0 or 1, not "yes"/.test(e.message),
    );
  } finally {
    if (saved === undefined) delete process.env.LORA_LAB_WASM_FMA;
    else process.env.LORA_LAB_WASM_FMA = saved;
  }
});
