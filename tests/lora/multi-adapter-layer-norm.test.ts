import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../../src/errors.js';
import { useKernels } from '../../src/kernels/active.js';
import { createReferenceKernels } from '../../src/kernels/reference/index.js';
import { AdapterRouting } from '../../src/lora/adapter-routing.js';
import { createLoraConfig } from '../../src/lora/config.js';
import { applyLora } from '../../src/lora/inject.js';
import { adapterPartsOf } from '../../src/lora/multi-adapter.js';
import { MultiAdapterLayerNorm } from '../../src/lora/multi-adapter-layer-norm.js';
import { LayerNorm } from '../../src/nn/layer-norm.js';
import { noGrad } from '../../src/tensor/autograd.js';
import { sliceRows } from '../../src/tensor/ops/slice-rows.js';
import { Rng } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { randomTensor } from '../helpers/gradcheck.js';
import { tinyBertConfig } from '../helpers/tiny-model.js';
import { BertForSequenceClassification } from '../../src/models/bert/sequence-classification.js';

useKernels(createReferenceKernels());

/** A LayerNorm over 6 features with a random weight and `bias`. */
function norm(weight: Tensor, bias: Tensor): LayerNorm {
  const layer = new LayerNorm(6, 1e-12);
  layer.weight.data.set(weight.data);
  layer.bias!.data.set(bias.data);
  return layer;
}

function rowsOf(t: Tensor, start: number, count: number): number[] {
  return Array.from(noGrad(() => sliceRows(t, start, count)).data);
}

test("each run of rows gets its adapter's bias, bit for bit as a LayerNorm holding it; other rows the base bias", () => {
  const weight = randomTensor([6], 1, false);
  const base = norm(weight, randomTensor([6], 2, false));
  const biasA = randomTensor([6], 3, false);
  const biasB = randomTensor([6], 4, false);
  const routing = new AdapterRouting();
  const multi = new MultiAdapterLayerNorm(base, routing);
  multi.setAdapter('a', biasA);
  multi.setAdapter('b', biasB);
  const x = randomTensor([6, 3, 6], 5, false);
  // 'plain' has a part elsewhere in the model but no bias here: its rows get the base bias.
  const rows = ['a', 'a', null, 'plain', 'b', 'a'];
  const y = routing.route(rows, () => noGrad(() => multi.forward(x)));
  assert.deepEqual(y.shape, [6, 3, 6]);
  const wantA = noGrad(() => norm(weight, biasA).forward(x));
  const wantB = noGrad(() => norm(weight, biasB).forward(x));
  const wantBase = noGrad(() => base.forward(x));
  rows.forEach((who, i) => {
    const want = who === 'a' ? wantA : who === 'b' ? wantB : wantBase;
    assert.deepEqual(rowsOf(y, i, 1), rowsOf(want, i, 1), `row ${i} (${who})`);
  });
  // The same input as [B·T, H] (batch-major token rows): each batch row covers T of them.
  const flat = routing.route(rows, () => noGrad(() => multi.forward(new Tensor(x.data, [18, 6]))));
  assert.deepEqual(Array.from(flat.data), Array.from(y.data), 'token rows');
  // One adapter for the whole batch, and no routing at all.
  const allA = routing.route(new Array<string>(6).fill('a'), () => noGrad(() => multi.forward(x)));
  assert.deepEqual(Array.from(allA.data), Array.from(wantA.data), 'all rows a');
  assert.deepEqual(Array.from(noGrad(() => multi.forward(x)).data), Array.from(wantBase.data), 'unrouted');
  assert.equal(multi.deleteAdapter('a'), true);
  assert.deepEqual(multi.adapterNames(), ['b']);
});

test('a bias of the wrong shape is refused before it is kept', () => {
  const multi = new MultiAdapterLayerNorm(new LayerNorm(6, 1e-12), new AdapterRouting());
  assert.throws(
    () => multi.setAdapter('a', randomTensor([5], 1, false)),
    /Adapter a's bias has shape \[5\], but a LayerNorm over 6 features needs \[6\]/,
  );
  assert.deepEqual(multi.adapterNames(), []);
});

test("adapterPartsOf takes LayerNorms' biases, and still refuses a bias no layer can switch per row", () => {
  const model = new BertForSequenceClassification(tinyBertConfig(), new Rng(1));
  applyLora(
    model,
    createLoraConfig({ r: 2, lora_alpha: 4, target_modules: ['query'], task_type: 'SEQ_CLS', bias: 'all' }),
    new Rng(2),
  );
  const norm = 'bert.encoder.layer.0.output.LayerNorm.bias';
  const parts = adapterPartsOf(model, new Set([norm, 'bert.encoder.layer.0.attention.self.key.bias']));
  assert.deepEqual(
    parts.biases.map((b) => b.path),
    ['bert.encoder.layer.0.output.LayerNorm', 'bert.encoder.layer.0.attention.self.key'],
  );
  assert.throws(
    () => adapterPartsOf(model, new Set(['bert.embeddings.word_embeddings.bias'])),
    (e: unknown) =>
      e instanceof UserError &&
      /trains bert\.embeddings\.word_embeddings\.bias, the bias of an Embedding rather than of a Linear layer or a LayerNorm/.test(
        e.message,
      ),
  );
});
