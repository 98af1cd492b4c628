import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyLora } from '../../src/lora/inject.js';
import { AdamW } from '../../src/optim/adamw.js';
import { backward, noGrad } from '../../src/tensor/autograd.js';
import { Rng } from '../../src/tensor/random.js';
import { batch, smallModel, studyConfig } from './helpers.js';

test('training LoRA moves only LoRA and the classifier; the base weights stay bit for bit', () => {
  const model = smallModel(1, { dropout: 0.1 });
  const frozenBefore = new Map(
    [...model.namedParameters()]
      .filter(([n]) => !n.startsWith('classifier.'))
      .map(([n, p]) => [n, Float32Array.from(p.data)]),
  );
  applyLora(model, studyConfig({ lora_dropout: 0.1 }), new Rng(2));
  model.train();
  const optimizer = new AdamW(model.namedParameters(), { lr: 1e-2 });
  assert.deepEqual(
    optimizer.parameterNames.filter((n) => !n.includes('.lora_')),
    ['classifier.weight', 'classifier.bias'],
  );
  const { ids, mask, labels } = batch();
  const losses: number[] = [];
  for (let step = 0; step < 15; step++) {
    model.zeroGrad();
    const loss = model.loss(model.forward(ids, mask), labels);
    losses.push(loss.data[0]);
    backward(loss);
    for (const [name, p] of model.namedParameters()) {
      if (p.requiresGrad) assert.ok(p.grad, `${name} has a gradient`);
      else assert.equal(p.grad, null, `frozen ${name} got a gradient`);
    }
    optimizer.step();
  }
  assert.ok(losses[losses.length - 1] < losses[0], `loss ${losses[0]} → ${losses[losses.length - 1]}`);
  // Base weights: under their wrapped names inside LoRA layers, unchanged elsewhere.
  for (const [name, p] of model.namedParameters()) {
    if (name.includes('.lora_') || name.startsWith('classifier.')) continue;
    const original = frozenBefore.get(name.replace('.base_layer.', '.'));
    assert.ok(original, `${name} existed before`);
    assert.deepEqual(p.data, original, `${name} changed`);
  }
  const b = model.getSubmodule('bert.encoder.layer.0.attention.self.query.lora_B');
  assert.ok(b && [...b.namedParameters()][0][1].data.some((v) => v !== 0), 'lora_B moved away from zero');
});

test('eval output is deterministic with LoRA dropout configured', () => {
  const model = smallModel(1);
  applyLora(model, studyConfig({ lora_dropout: 0.5 }), new Rng(2));
  model.eval();
  const { ids, mask } = batch();
  assert.deepEqual(
    noGrad(() => model.forward(ids, mask)).toArray(),
    noGrad(() => model.forward(ids, mask)).toArray(),
  );
});
