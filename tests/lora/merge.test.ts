import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyLora, loraLayers } from '../../src/lora/inject.js';
import { mergeAndUnload, mergeLora, unloadLora, unmergeLora } from '../../src/lora/merge.js';
import { LoRALinear } from '../../src/lora/lora-linear.js';
import { loraStateOf } from '../../src/lora/state.js';
import { noGrad } from '../../src/tensor/autograd.js';
import { Rng } from '../../src/tensor/random.js';
import { batch, perturbLora, smallModel, studyConfig } from './helpers.js';

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function adapted(seed = 1) {
  const model = smallModel(seed);
  const original = new Map([...model.namedParameters()].map(([n, p]) => [n, Float32Array.from(p.data)]));
  applyLora(model, studyConfig({ target_modules: ['query', 'value', 'dense'] }), new Rng(2));
  perturbLora(model);
  model.eval();
  return { model, original };
}

test('merge gives W₀ + s·B·A to 1e-6, and unmerge restores W₀ exactly', () => {
  const { model } = adapted();
  const layers = loraLayers(model);
  const w0 = layers.map(([, l]) => Float32Array.from(l.base_layer.weight.data));
  const deltas = layers.map(([, l]) => l.deltaWeight());
  assert.equal(mergeLora(model), layers.length);
  assert.equal(mergeLora(model), 0, 'merging twice does nothing');
  layers.forEach(([name, l], i) => {
    const w = l.base_layer.weight.data;
    let worst = 0;
    for (let j = 0; j < w.length; j++) worst = Math.max(worst, Math.abs(w[j] - (w0[i][j] + deltas[i][j])));
    assert.ok(worst <= 1e-6, `${name}: merged weight off by ${worst}`);
    assert.ok(
      deltas[i].some((v) => v !== 0),
      `${name}: the delta is not trivial`,
    );
  });
  assert.equal(unmergeLora(model), layers.length);
  layers.forEach(([, l], i) => assert.deepEqual(l.base_layer.weight.data, w0[i]));
});

test('merged logits equal unmerged ones within 1e-5', () => {
  const { model } = adapted();
  const { ids, mask } = batch();
  const unmerged = noGrad(() => model.forward(ids, mask)).toArray();
  mergeLora(model);
  const merged = noGrad(() => model.forward(ids, mask)).toArray();
  assert.ok(maxAbsDiff(merged, unmerged) <= 1e-5, `off by ${maxAbsDiff(merged, unmerged)}`);
  unmergeLora(model);
  assert.ok(maxAbsDiff(noGrad(() => model.forward(ids, mask)).toArray(), unmerged) <= 1e-6);
});

test('mergeAndUnload gives a plain model with the original names and the merged behaviour', () => {
  const { model, original } = adapted();
  const { ids, mask } = batch();
  const withAdapter = noGrad(() => model.forward(ids, mask)).toArray();
  mergeAndUnload(model);
  assert.equal(loraLayers(model).length, 0);
  assert.equal(loraStateOf(model), undefined);
  assert.deepEqual(
    [...model.namedParameters()].map(([n]) => n),
    [...original.keys()],
  );
  assert.ok([...model.namedParameters()].every(([, p]) => p.requiresGrad));
  assert.ok(maxAbsDiff(noGrad(() => model.forward(ids, mask)).toArray(), withAdapter) <= 1e-5);
  // The dense layers are called through fields: they must be plain Linears again there too.
  const layer0 = model.bert.encoder.layer.items[0];
  assert.ok(!((layer0.output as unknown as { dense: unknown }).dense instanceof LoRALinear));
  // And a LoRA can be applied again afterwards.
  applyLora(model, studyConfig(), new Rng(3));
});

test('unloadLora gives back the untouched base model', () => {
  const { model, original } = adapted();
  mergeLora(model);
  unloadLora(model);
  for (const [name, p] of model.namedParameters()) assert.deepEqual(p.data, original.get(name), name);
});
