import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useKernels } from '../../src/kernels/active.js';
import { createReferenceKernels } from '../../src/kernels/reference/index.js';
import { createWasmKernels, type WasmKernels } from '../../src/kernels/wasm/index.js';
import { backward } from '../../src/tensor/autograd.js';
import { add } from '../../src/tensor/ops/add.js';
import { dropout } from '../../src/tensor/ops/dropout.js';
import { reshape } from '../../src/tensor/ops/reshape.js';
import { sum } from '../../src/tensor/ops/sum.js';
import { Rng } from '../../src/tensor/random.js';
import { currentScope, tensorScope } from '../../src/tensor/scope.js';
import { Tensor } from '../../src/tensor/tensor.js';

const N = 4096;
const inWasm = (a: Float32Array) => a.buffer instanceof SharedArrayBuffer;

describe('tensorScope on the wasm backend', () => {
  let wasm: WasmKernels;
  let previous: ReturnType<typeof useKernels>;
  before(async () => {
    wasm = await createWasmKernels({ threads: 2 });
    previous = useKernels(wasm);
  });
  after(() => {
    useKernels(previous);
    wasm.dispose();
  });

  test('tensors made inside live in wasm memory and are released at the end; outside they are ordinary', () => {
    assert.equal(inWasm(Tensor.zeros([N]).data), false);
    let kept: Tensor | null = null;
    const first = tensorScope(() => {
      kept = Tensor.fill([N], 2);
      assert.ok(inWasm(kept.data));
      assert.ok(currentScope());
      return kept.data.byteOffset;
    });
    assert.equal(currentScope(), null);
    assert.throws(() => kept!.data, /used after the tensorScope that made it ended/);
    // The memory went back: the next scope is handed the same block, zeroed.
    const again = tensorScope(() => {
      const t = Tensor.zeros([N]);
      assert.ok(t.data.every((v) => v === 0));
      return t.data.byteOffset;
    });
    assert.equal(again, first);
  });

  test('small arrays stay ordinary (nothing worth staging)', () => {
    tensorScope(() => assert.equal(inWasm(Tensor.zeros([8]).data), false));
  });

  test('a parameter made outside gets an ordinary gradient that outlives the scope, also where ops hand theirs over', () => {
    const rng = new Rng(3);
    const p = Tensor.fill([N], 1, true);
    const q = Tensor.fill([N], 1, true);
    tensorScope(() => {
      // reshape and add pass dy on by adoption; dropout hands its masked dy over.
      const y = add(reshape(p, [64, 64]), reshape(dropout(q, 0.5, rng, true), [64, 64]));
      backward(sum(y));
    });
    tensorScope(() => Tensor.fill([1 << 16], Number.NaN)); // reuse and scribble over the scope's memory
    assert.ok(p.grad && !inWasm(p.grad));
    assert.ok(p.grad.every((v) => v === 1));
    assert.ok(q.grad && !inWasm(q.grad));
    const kept = q.grad.filter((v) => v === 2).length;
    assert.equal(kept + q.grad.filter((v) => v === 0).length, N, 'dropout gradient is 0 or 1/(1 − p)');
    assert.ok(kept > N / 3 && kept < (2 * N) / 3);
  });

  test('scopes nest: the inner one releases only its own tensors', () => {
    tensorScope(() => {
      const outer = Tensor.fill([N], 1);
      let inner: Tensor | null = null;
      tensorScope(() => {
        inner = Tensor.fill([N], 3);
      });
      assert.throws(() => inner!.data);
      assert.equal(outer.data[N - 1], 1);
    });
  });

  test('the memory goes back when the function throws, and async functions are refused', () => {
    let t: Tensor | null = null;
    assert.throws(
      () =>
        tensorScope(() => {
          t = Tensor.zeros([N]);
          throw new Error('boom');
        }),
      /boom/,
    );
    assert.throws(() => t!.data);
    assert.equal(currentScope(), null);
    assert.throws(() => tensorScope(async () => 1), /synchronous/);
  });
});

test('on the reference backend a scope hands out ordinary arrays and still releases its tensors', () => {
  const previous = useKernels(createReferenceKernels());
  try {
    let t: Tensor | null = null;
    tensorScope(() => {
      t = Tensor.fill([N], 1);
      assert.equal(inWasm(t.data), false);
    });
    assert.throws(() => t!.data);
  } finally {
    useKernels(previous);
  }
});
