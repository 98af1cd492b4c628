import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WasmHeap } from '../../src/kernels/wasm/heap.js';
import { WebAssemblyApi } from '../../src/kernels/wasm/wasm-api.js';

function heap(): WasmHeap {
  return new WasmHeap(new WebAssemblyApi.Memory({ initial: 1, maximum: 1024, shared: true }), 0);
}

test('freed persistent blocks are reused, merged, and the topmost returns to the arena', () => {
  const h = heap();
  const a = h.allocF32(100);
  const b = h.allocF32(100);
  const c = h.allocF32(100);
  a.fill(1);
  b.fill(2);
  c.fill(3);
  const top = h.scratch(0);
  // A freed block in the middle is reused by an allocation that fits, zeroed, and nothing else moves.
  h.finish(true);
  h.freeF32(b.byteOffset, b.length);
  const b2 = h.allocF32(50);
  assert.equal(b2.byteOffset, b.byteOffset);
  assert.ok(b2.every((x) => x === 0));
  assert.ok(a.every((x) => x === 1) && c.every((x) => x === 3));
  // The rest of b's block is still free for a small one; a larger one goes on top.
  const small = h.allocF32(10);
  assert.equal(small.byteOffset, b.byteOffset + 256);
  const big = h.allocF32(200);
  assert.ok(big.byteOffset >= c.byteOffset + 400);
  // Freeing everything merges the blocks and lowers the arena back to where it started.
  for (const x of [big, c, a, small, b2]) h.freeF32(x.byteOffset, x.length);
  assert.equal(h.scratch(0), a.byteOffset);
  h.finish(true);
  const again = h.allocF32(300);
  assert.equal(again.byteOffset, a.byteOffset);
  assert.ok(top > again.byteOffset);
});

test('blocks cannot be allocated or freed during a kernel call', () => {
  const h = heap();
  const a = h.allocF32(16);
  h.scratch(64);
  assert.throws(() => h.allocF32(4), /during a kernel call/);
  assert.throws(() => h.freeF32(a.byteOffset, 16), /during a kernel call/);
  h.finish(true);
  h.freeF32(a.byteOffset, 16);
});
