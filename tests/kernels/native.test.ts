import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { UserError } from '../../src/errors.js';
import { createKernels, NativeKernels, nativeIsas, nativeKernelsBuilt } from '../../src/kernels/index.js';

const kernelsIndex = fileURLToPath(new URL('../../src/kernels/index.ts', import.meta.url));

/** The CPU's feature flags (Linux); empty elsewhere. */
function cpuFlags(): Set<string> {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('flags'));
    return new Set(line ? line.split(':')[1].trim().split(/\s+/) : []);
  } catch {
    return new Set();
  }
}

test('npm ci built the native addon, and it runs every instruction set this CPU has', () => {
  // LORA_LAB_NATIVE_BUILD=0 is the one way to install without it (scripts/build-native.mjs).
  if (process.env.LORA_LAB_NATIVE_BUILD === '0') return;
  assert.ok(
    nativeKernelsBuilt(),
    'native/build/Release/lora_lab_native.node is missing: run npm run build:native',
  );
  const isas = nativeIsas();
  assert.equal(isas[isas.length - 1], 'generic');
  if (process.arch === 'x64') {
    const flags = cpuFlags();
    assert.equal(isas.includes('avx2'), flags.has('avx2') && flags.has('fma'), `runs ${isas.join(', ')}`);
    assert.equal(
      isas.includes('avx512'),
      ['avx512f', 'avx512vl', 'avx512bw', 'avx512dq'].every((f) => flags.has(f)),
      `runs ${isas.join(', ')}`,
    );
  }
});

test('createKernels: native on request, the fastest instruction set, LORA_LAB_BACKEND and isa honoured', async () => {
  const saved = process.env.LORA_LAB_BACKEND;
  try {
    delete process.env.LORA_LAB_BACKEND;
    const k = await createKernels({ threads: 2, backend: nativeKernelsBuilt() ? 'native' : 'wasm' });
    try {
      assert.equal(k.name, nativeKernelsBuilt() ? 'native' : 'wasm');
      if (k instanceof NativeKernels) assert.equal(k.isa, nativeIsas()[0]);
    } finally {
      k.dispose();
    }
    // No flag, no variable: the fastest built.
    const d = await createKernels({ threads: 1 });
    assert.equal(d.name, nativeKernelsBuilt() ? 'native' : 'wasm');
    d.dispose();
    process.env.LORA_LAB_BACKEND = 'wasm';
    const w = await createKernels({ threads: 1 });
    assert.equal(w.name, 'wasm');
    w.dispose();
    process.env.LORA_LAB_BACKEND = 'fortran';
    await assert.rejects(
      createKernels(),
      (e: unknown) =>
        e instanceof UserError && /LORA_LAB_BACKEND must be one of native, wasm, reference/.test(e.message),
    );
  } finally {
    if (saved === undefined) delete process.env.LORA_LAB_BACKEND;
    else process.env.LORA_LAB_BACKEND = saved;
  }
  const g = await createKernels({ backend: 'native', threads: 1, isa: 'generic' });
  try {
    assert.ok(g instanceof NativeKernels);
    assert.equal(g.isa, 'generic');
  } finally {
    g.dispose();
  }
});

test('an instruction set this CPU lacks, or a bad one, is a UserError', async (t) => {
  const missing = (['avx512', 'avx2'] as const).find((isa) => !nativeIsas().includes(isa));
  if (!missing) {
    t.diagnostic('this CPU runs every instruction set the addon has: only a bad name is tried');
  } else {
    await assert.rejects(
      createKernels({ backend: 'native', isa: missing }),
      (e: unknown) => e instanceof UserError && new RegExp(`built for ${missing}`).test(e.message),
    );
  }
  const saved = process.env.LORA_LAB_NATIVE_ISA;
  try {
    process.env.LORA_LAB_NATIVE_ISA = 'sse9';
    await assert.rejects(
      createKernels({ backend: 'native' }),
      (e: unknown) =>
        e instanceof UserError && /instruction set must be one of avx512, avx2, generic/.test(e.message),
    );
  } finally {
    if (saved === undefined) delete process.env.LORA_LAB_NATIVE_ISA;
    else process.env.LORA_LAB_NATIVE_ISA = saved;
  }
});

test('the native backend: ordinary arrays in place, borrowed buffers reused, a peak above zero, a disposed backend refuses work', async () => {
  const k = await createKernels({ backend: 'native', threads: 2 });
  assert.ok(k instanceof NativeKernels);
  assert.ok(!(k.allocState(4).buffer instanceof SharedArrayBuffer));
  const first = k.borrowFloats(5000, true)!;
  assert.equal(first.length, 5000);
  first.fill(7);
  k.returnFloats(first);
  // The same size class again: the same memory, zeroed when asked, left as it was when not.
  const again = k.borrowFloats(4990, true)!;
  assert.equal(again.buffer, first.buffer);
  assert.ok(again.every((v) => v === 0));
  again.fill(3);
  k.returnFloats(again);
  const dirty = k.borrowFloats(5000, false)!;
  assert.equal(dirty.buffer, first.buffer);
  assert.equal(dirty[0], 3);
  // An array it did not lend is not taken.
  k.returnFloats(new Float32Array(5000));
  assert.notEqual(k.borrowFloats(5000, true)!.buffer, first.buffer);
  // A view into a larger array is read and written at its own offset.
  const whole = new Float32Array(12).fill(1);
  const view = whole.subarray(4, 8);
  k.add(view, view, view, 4);
  assert.deepEqual([...whole], [1, 1, 1, 1, 2, 2, 2, 2, 1, 1, 1, 1]);
  assert.ok(k.peakGflops(1, 1) > 0);
  k.dispose();
  k.dispose();
  const x = new Float32Array(100_000);
  assert.throws(() => k.gelu(x, x, x.length), /disposed/);
});

const WORK = `
process.env.LORA_LAB_PARALLEL_MIN_NS = '0';
const k = await createKernels({ backend: 'native', threads: 2 });
const x = new Float32Array(200000).fill(0.5);
k.gelu(x, x, x.length);
if (Math.abs(x[0] - 0.345731) > 1e-5) throw new Error('wrong gelu ' + x[0]);
`;

test('the process exits after dispose, and also when dispose is forgotten (native threads)', () => {
  for (const body of [`${WORK}\nk.dispose();`, WORK]) {
    const script = `import { createKernels } from ${JSON.stringify(kernelsIndex)};\n${body}`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    assert.equal(r.error, undefined, 'the process hung');
    assert.equal(r.status, 0, r.stderr);
  }
});
