import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useKernels } from '../../src/kernels/active.js';
import { createReferenceKernels } from '../../src/kernels/reference/index.js';
import { Linear } from '../../src/nn/linear.js';
import { AdapterRouting } from '../../src/lora/adapter-routing.js';
import { LoRALinear } from '../../src/lora/lora-linear.js';
import { MultiAdapterLinear } from '../../src/lora/multi-adapter-linear.js';
import { noGrad } from '../../src/tensor/autograd.js';
import { linear } from '../../src/tensor/ops/linear.js';
import { sliceRows } from '../../src/tensor/ops/slice-rows.js';
import { Rng } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { randomTensor } from '../helpers/gradcheck.js';

useKernels(createReferenceKernels());

function baseLinear(seed: number, inF = 6, out = 5): Linear {
  const layer = new Linear(inF, out);
  layer.weight.data.set(randomTensor([out, inF], seed, false).data);
  layer.bias!.data.set(randomTensor([out], seed + 1, false).data);
  return layer;
}

/** A LoRA layer on `base` with both factors random (PEFT's init_lora_weights false). */
function loraOn(base: Linear, r: number, seed: number): LoRALinear {
  const layer = new LoRALinear(
    base,
    { r, alpha: 2 * r, dropout: 0, useRslora: false, init: false },
    new Rng(seed),
  );
  return layer.eval();
}

function rowsOf(t: Tensor, start: number, count: number): number[] {
  return Array.from(noGrad(() => sliceRows(t, start, count)).data);
}

function assertClose(actual: number[], expected: number[], what: string): void {
  assert.equal(actual.length, expected.length, what);
  const worst = Math.max(0, ...actual.map((v, i) => Math.abs(v - expected[i])));
  assert.ok(worst <= 1e-6, `${what}: off by ${worst}`);
}

test('each row gets its own adapter low-rank path; rows of no adapter the base layer alone', () => {
  const base = baseLinear(1);
  const a = loraOn(base, 2, 10);
  const b = loraOn(base, 3, 11);
  const routing = new AdapterRouting();
  const multi = new MultiAdapterLinear(base, routing);
  multi.setAdapter('a', { kind: 'lora', A: a.lora_A.weight, B: a.lora_B.weight, scaling: a.scaling });
  multi.setAdapter('b', { kind: 'lora', A: b.lora_A.weight, B: b.lora_B.weight, scaling: b.scaling });
  const x = randomTensor([5, 3, 6], 2, false);
  const rows = ['a', 'a', null, 'b', 'a'];
  const y = routing.route(rows, () => noGrad(() => multi.forward(x)));
  assert.deepEqual(y.shape, [5, 3, 5]);
  const wantA = noGrad(() => a.forward(x));
  const wantB = noGrad(() => b.forward(x));
  const wantBase = noGrad(() => base.forward(x));
  rows.forEach((who, i) => {
    const want = who === 'a' ? wantA : who === 'b' ? wantB : wantBase;
    assertClose(rowsOf(y, i, 1), rowsOf(want, i, 1), `row ${i} (${who})`);
  });
  // The same input as [B·T, in] (batch-major token rows): each batch row covers T of them.
  const flatY = routing.route(rows, () => noGrad(() => multi.forward(new Tensor(x.data, [15, 6]))));
  assertClose(Array.from(flatY.data), Array.from(y.data), 'token rows');
  // Outside a routed pass, every row is the base layer's.
  assertClose(Array.from(noGrad(() => multi.forward(x)).data), Array.from(wantBase.data), 'unrouted');
});

test('one adapter for the whole batch computes exactly what LoRALinear computes', () => {
  const base = baseLinear(3);
  const a = loraOn(base, 4, 12);
  const routing = new AdapterRouting();
  const multi = new MultiAdapterLinear(base, routing);
  multi.setAdapter('a', { kind: 'lora', A: a.lora_A.weight, B: a.lora_B.weight, scaling: a.scaling });
  const x = randomTensor([4, 2, 6], 4, false);
  const y = routing.route(['a', 'a', 'a', 'a'], () => noGrad(() => multi.forward(x)));
  assert.deepEqual(Array.from(y.data), Array.from(noGrad(() => a.forward(x)).data));
});

test('replacement layers of other widths (heads of other label counts) each serve their rows, padded with zeros', () => {
  const base = baseLinear(5, 4, 3);
  const routing = new AdapterRouting();
  const multi = new MultiAdapterLinear(base, routing);
  const headA = baseLinear(20, 4, 2);
  const headB = baseLinear(30, 4, 5);
  multi.setAdapter('a', { kind: 'replace', weight: headA.weight, bias: headA.bias });
  multi.setAdapter('b', { kind: 'replace', weight: headB.weight, bias: headB.bias });
  const x = randomTensor([4, 4], 6, false);
  const y = routing.route(['b', null, 'a', 'b'], () => noGrad(() => multi.forward(x)));
  assert.deepEqual(y.shape, [4, 5]);
  const own = (layer: Linear, i: number): number[] =>
    Array.from(noGrad(() => linear(sliceRows(x, i, 1), layer.weight, layer.bias)).data);
  assertClose(rowsOf(y, 0, 1), own(headB, 0), 'row 0');
  assertClose(rowsOf(y, 1, 1), [...own(base, 1), 0, 0], 'row 1 (base, padded)');
  assertClose(rowsOf(y, 2, 1), [...own(headA, 2), 0, 0, 0], 'row 2 (a, padded)');
  assertClose(rowsOf(y, 3, 1), own(headB, 3), 'row 3');
  // A batch of one adapter only: that head's width, no padding.
  assert.deepEqual(routing.route(['a', 'a', 'a', 'a'], () => noGrad(() => multi.forward(x))).shape, [4, 2]);
});

test('parts of the wrong shape are refused before they are kept', () => {
  const multi = new MultiAdapterLinear(baseLinear(7), new AdapterRouting());
  assert.throws(
    () =>
      multi.setAdapter('a', {
        kind: 'lora',
        A: randomTensor([2, 5], 1, false),
        B: randomTensor([5, 2], 2, false),
        scaling: 1,
      }),
    /lora_A has shape \[2, 5\], but a layer of 6 inputs and 5 outputs needs \[r, 6\]/,
  );
  assert.throws(
    () =>
      multi.setAdapter('a', {
        kind: 'lora',
        A: randomTensor([2, 6], 1, false),
        B: randomTensor([5, 3], 2, false),
        scaling: 1,
      }),
    /lora_B has shape \[5, 3\]/,
  );
  assert.deepEqual(multi.adapterNames(), []);
});
