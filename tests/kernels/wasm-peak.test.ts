import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createWasmKernels } from '../../src/kernels/wasm/index.js';

// The peak loop's n-thread rate divides n loops' flops by their time, so each thread must run exactly
// one loop. Taken from a shared counter, a worker woken after the main thread had finished its own
// loop left the main thread to run the second one too (or, the job closed, none at all): a short loop
// makes that the usual case, so the counts below catch it without timing anything.

test('every thread of the wasm backend runs the peak loop exactly once', async () => {
  const k = await createWasmKernels({ threads: 3, fma: false });
  try {
    for (let r = 0; r < 50; r++) {
      assert.deepEqual(k.peakRun(3, 1000).loops, [1, 1, 1]);
      assert.deepEqual(k.peakRun(2, 1000).loops, [1, 1]);
      assert.deepEqual(k.peakRun(1, 1000).loops, [1]);
    }
    assert.ok(k.peakGflops(2, 1) > 0);
  } finally {
    k.dispose();
  }
});
