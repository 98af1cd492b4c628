import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useKernels, kernels } from '../../src/kernels/active.js';
import type { GemmSpec, Kernels } from '../../src/kernels/kernels.js';
import { Linear } from '../../src/nn/linear.js';
import { LoRALinear, type LoRALinearOptions } from '../../src/lora/lora-linear.js';
import { backward, noGrad } from '../../src/tensor/autograd.js';
import { Rng } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { gradcheck } from '../helpers/gradcheck.js';

function baseLinear(inF: number, outF: number, seed = 1): Linear {
  const rng = new Rng(seed);
  const l = new Linear(inF, outF);
  for (let i = 0; i < l.weight.size; i++) l.weight.data[i] = rng.normal();
  for (let i = 0; i < l.bias!.size; i++) l.bias!.data[i] = rng.normal();
  l.weight.requiresGrad = false;
  l.bias!.requiresGrad = false;
  return l;
}

function options(init: Partial<LoRALinearOptions> = {}): LoRALinearOptions {
  return { r: 2, alpha: 4, dropout: 0, useRslora: false, init: true, ...init };
}

function randomInput(shape: number[], seed = 5, requiresGrad = false): Tensor {
  const rng = new Rng(seed);
  const t = Tensor.zeros(shape, requiresGrad);
  for (let i = 0; i < t.size; i++) t.data[i] = rng.normal();
  return t;
}

/** W₀x + b + s·B·A·x, in double precision, for x [rows, in]. */
function expected(layer: LoRALinear, x: Tensor): number[] {
  const inF = layer.inFeatures;
  const outF = layer.outFeatures;
  const rows = x.size / inF;
  const W = layer.base_layer.weight.data;
  const b = layer.base_layer.bias!.data;
  const A = layer.lora_A.weight.data;
  const B = layer.lora_B.weight.data;
  const out: number[] = [];
  for (let n = 0; n < rows; n++) {
    const ax = new Array<number>(layer.r).fill(0);
    for (let k = 0; k < layer.r; k++)
      for (let j = 0; j < inF; j++) ax[k] += A[k * inF + j] * x.data[n * inF + j];
    for (let i = 0; i < outF; i++) {
      let h = b[i];
      for (let j = 0; j < inF; j++) h += W[i * inF + j] * x.data[n * inF + j];
      let up = 0;
      for (let k = 0; k < layer.r; k++) up += B[i * layer.r + k] * ax[k];
      out.push(h + layer.scaling * up);
    }
  }
  return out;
}

test('LoRALinear: PEFT names and shapes, A kaiming-uniform, B zero, so it starts as the base layer', () => {
  const base = baseLinear(6, 4);
  const layer = new LoRALinear(base, options({ r: 3 }), new Rng(2));
  assert.deepEqual(
    [...layer.namedParameters()].map(([n, p]) => [n, p.shape]),
    [
      ['base_layer.weight', [4, 6]],
      ['base_layer.bias', [4]],
      ['lora_A.weight', [3, 6]],
      ['lora_B.weight', [4, 3]],
    ],
  );
  assert.equal(layer.inFeatures, 6);
  assert.equal(layer.outFeatures, 4);
  assert.equal(layer.weight, base.weight);
  const bound = 1 / Math.sqrt(6);
  assert.ok(layer.lora_A.weight.data.every((v) => Math.abs(v) <= bound));
  assert.ok(layer.lora_A.weight.data.some((v) => v !== 0));
  assert.ok(layer.lora_B.weight.data.every((v) => v === 0));
  const x = randomInput([2, 6]);
  assert.deepEqual(Array.from(layer.forward(x).data), Array.from(base.forward(x).data));
});

test('LoRALinear: the same seed gives the same A; init variants', () => {
  const a1 = new LoRALinear(baseLinear(6, 4), options(), new Rng(9)).lora_A.weight.toArray();
  const a2 = new LoRALinear(baseLinear(6, 4), options(), new Rng(9)).lora_A.weight.toArray();
  assert.deepEqual(a1, a2);
  const gaussian = new LoRALinear(baseLinear(64, 4), options({ r: 4, init: 'gaussian' }), new Rng(9));
  const std = Math.sqrt(
    gaussian.lora_A.weight.data.reduce((s, v) => s + v * v, 0) / gaussian.lora_A.weight.size,
  );
  assert.ok(Math.abs(std - 0.25) < 0.05, `gaussian A has std ${std}, expected 1/r = 0.25`);
  assert.ok(gaussian.lora_B.weight.data.every((v) => v === 0));
  const random = new LoRALinear(baseLinear(6, 4), options({ init: false }), new Rng(9));
  assert.ok(
    random.lora_B.weight.data.some((v) => v !== 0),
    'init false leaves B random, as PEFT',
  );
});

test('LoRALinear forward is W₀x + b + (alpha/r)·B·A·x, on 3-D input too', () => {
  const layer = new LoRALinear(baseLinear(5, 3), options({ r: 2, alpha: 6 }), new Rng(2));
  const rng = new Rng(4);
  for (let i = 0; i < layer.lora_B.weight.size; i++) layer.lora_B.weight.data[i] = rng.normal();
  assert.equal(layer.scaling, 3);
  const x = randomInput([2, 4, 5]);
  const y = layer.forward(x);
  assert.deepEqual(y.shape, [2, 4, 3]);
  const want = expected(layer, x);
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(y.data[i] - want[i]) < 1e-5, `element ${i}`);
});

test('rsLoRA scales by alpha / √r', () => {
  const layer = new LoRALinear(baseLinear(5, 3), options({ r: 4, alpha: 8, useRslora: true }), new Rng(2));
  assert.equal(layer.scaling, 4);
  const rng = new Rng(4);
  for (let i = 0; i < layer.lora_B.weight.size; i++) layer.lora_B.weight.data[i] = rng.normal();
  const x = randomInput([3, 5]);
  const y = layer.forward(x);
  const want = expected(layer, x);
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(y.data[i] - want[i]) < 1e-5);
  // The same layer without rsLoRA would differ by the factor √r / 1 on the LoRA term.
  const plain = new LoRALinear(baseLinear(5, 3), options({ r: 4, alpha: 8 }), new Rng(2));
  assert.equal(plain.scaling, 2);
});

test('LoRA gradients match finite differences; the frozen base gets none', () => {
  const layer = new LoRALinear(baseLinear(5, 3), options({ r: 2, alpha: 4 }), new Rng(2));
  const rng = new Rng(4);
  for (let i = 0; i < layer.lora_B.weight.size; i++) layer.lora_B.weight.data[i] = rng.normal();
  layer.lora_A.weight.requiresGrad = true;
  layer.lora_B.weight.requiresGrad = true;
  const x = randomInput([4, 5], 6, true);
  const report = gradcheck(
    () => layer.forward(x),
    [x, layer.lora_A.weight, layer.lora_B.weight, layer.base_layer.weight, layer.base_layer.bias!],
  );
  assert.ok(report.worst <= 1, `worst ${report.worst}`);
  assert.equal(layer.base_layer.weight.grad, null);
  assert.equal(layer.base_layer.bias!.grad, null);
});

test('a LoRA backward does no GEMM for dW₀: only thin products touch the full width', () => {
  const inF = 12;
  const outF = 10;
  const layer = new LoRALinear(baseLinear(inF, outF), options({ r: 2 }), new Rng(2));
  layer.lora_A.weight.requiresGrad = true;
  layer.lora_B.weight.requiresGrad = true;
  const x = randomInput([7, inF]);
  const y = layer.forward(x);
  const calls: GemmSpec[] = [];
  const inner = kernels();
  const counting: Kernels = { ...inner, gemm: (spec: GemmSpec) => (calls.push(spec), inner.gemm(spec)) };
  const previous = useKernels(counting);
  try {
    backward(y, new Float32Array(y.size).fill(1));
  } finally {
    useKernels(previous);
  }
  const wGrad = calls.filter((c) => c.m === outF && c.n === inF);
  assert.equal(wGrad.length, 0, 'no [out, in] gradient product');
  assert.equal(layer.base_layer.weight.grad, null);
  assert.ok(layer.lora_A.weight.grad && layer.lora_B.weight.grad);
  // Exactly three thin products: dB [out, r], d(x·Aᵀ) [rows, r] and dA [r, in]; x needs no gradient.
  assert.deepEqual(calls.map((c) => `${c.m}x${c.n}`).sort(), [`${outF}x2`, '7x2', `2x${inF}`].sort());
});

test('LoRA dropout applies in training only, to the LoRA branch only', () => {
  const layer = new LoRALinear(baseLinear(8, 4), options({ r: 2, dropout: 0.5 }), new Rng(2));
  const x = randomInput([3, 8]);
  // B = 0: dropout on the LoRA branch cannot change anything.
  assert.deepEqual(Array.from(layer.forward(x).data), Array.from(layer.base_layer.forward(x).data));
  const rng = new Rng(4);
  for (let i = 0; i < layer.lora_B.weight.size; i++) layer.lora_B.weight.data[i] = rng.normal();
  layer.train();
  const a = layer.forward(x).toArray();
  const b = layer.forward(x).toArray();
  assert.notDeepEqual(a, b, 'two training passes draw different masks');
  layer.eval();
  const e1 = noGrad(() => layer.forward(x)).toArray();
  const want = expected(layer, x);
  e1.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-5));
});
