import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { useKernels } from '../../src/kernels/active.js';
import { createReferenceKernels } from '../../src/kernels/reference/index.js';
import { loadClassifier, predictTexts } from '../../src/experiments/classifier.js';
import { multiAdapterLayers } from '../../src/lora/multi-adapter.js';
import { ServedModel, type BatchRow, type ServedAdapter } from '../../src/serve/served-model.js';
import { UserError } from '../../src/errors.js';
import { readSafetensors, writeSafetensors } from '../../src/io/safetensors.js';
import { ADAPTERS, maxDiff, serveWorkspace, texts, writeAdapter, type ServeWorkspace } from './helpers.js';

useKernels(createReferenceKernels());

let ws: ServeWorkspace;
before(async () => {
  ws = await serveWorkspace();
});
after(() => ws?.cleanup());

/** The plain single-adapter path: the base with this one adapter injected as LoRALinear layers (predict's). */
async function aloneLogits(
  model: string,
  adapter: string | undefined,
  inputs: string[],
): Promise<number[][]> {
  const loaded = await loadClassifier({ model, adapter });
  return [
    ...predictTexts(loaded.model, loaded.tokenizer, loaded.labels, inputs, { maxLen: 64, batchSize: 64 }),
  ].map((p) => p.logits);
}

test('a batch mixing three adapters gives every row the logits of its adapter alone (within 1e-5)', async () => {
  const served = await ServedModel.load(ws.model);
  const adapters: ServedAdapter[] = Object.keys(ADAPTERS).map((name) =>
    served.attach(name, ws.adapter(name as 'alpha')),
  );
  const inputs = texts(24);
  // Interleaved, so that the rows of one adapter are not neighbours in the request order.
  const rows: BatchRow[] = inputs.map((text, i) => ({
    input: served.encode(text, 'none'),
    adapter: adapters[i % 3],
  }));
  const mixed = served.logits(rows);
  for (const [k, adapter] of adapters.entries()) {
    const mine = inputs.filter((_, i) => i % 3 === k);
    const alone = await aloneLogits(ws.model, ws.adapter(adapter.name as 'alpha'), mine);
    const got = mixed.filter((_, i) => i % 3 === k);
    assert.equal(got[0].length, ADAPTERS[adapter.name].labels.length, 'each row as wide as its labels');
    const diff = maxDiff(got, alone);
    assert.ok(diff <= 1e-5, `${adapter.name}: mixed-batch logits differ from the adapter alone by ${diff}`);
  }
  // And one adapter alone in a batch of its own: the same numbers again.
  const single = served.logits(
    inputs.map((text) => ({ input: served.encode(text, 'none'), adapter: adapters[1] })),
  );
  assert.ok(maxDiff(single, await aloneLogits(ws.model, ws.adapter('beta'), inputs)) <= 1e-5);
});

test('rows of the base model (its own head) mix with adapter rows, and detaching restores the plain model', async () => {
  const served = await ServedModel.load(ws.modelWithHead);
  assert.equal(served.headTrained, true);
  const before = served.logits(texts(6).map((t) => ({ input: served.encode(t, 'none'), adapter: null })));
  // An adapter for the headless model fits this one too (same architecture); it brings its own head.
  const alpha = served.attach('alpha', ws.adapter('alpha'));
  const gamma = served.attach('gamma', ws.adapter('gamma'));
  const inputs = texts(9, 4);
  const who = [null, alpha, gamma];
  const mixed = served.logits(
    inputs.map((t, i) => ({ input: served.encode(t, 'none'), adapter: who[i % 3] })),
  );
  const baseAlone = await aloneLogits(
    ws.modelWithHead,
    undefined,
    inputs.filter((_, i) => i % 3 === 0),
  );
  assert.ok(
    maxDiff(
      mixed.filter((_, i) => i % 3 === 0),
      baseAlone,
    ) <= 1e-5,
  );
  const gammaAlone = await aloneLogits(
    ws.modelWithHead,
    ws.adapter('gamma'),
    inputs.filter((_, i) => i % 3 === 2),
  );
  assert.ok(
    maxDiff(
      mixed.filter((_, i) => i % 3 === 2),
      gammaAlone,
    ) <= 1e-5,
  );

  served.detach(alpha);
  assert.ok(
    multiAdapterLayers((served as unknown as { model: never }).model).length > 0,
    'gamma still attached',
  );
  served.detach(gamma);
  assert.deepEqual(multiAdapterLayers((served as unknown as { model: never }).model), []);
  const after = served.logits(texts(6).map((t) => ({ input: served.encode(t, 'none'), adapter: null })));
  assert.deepEqual(after, before, 'the base model, bit for bit, once every adapter is gone');
});

test('an adapter that does not fit the base is refused at load with the reason, leaving the model as it was', async () => {
  const served = await ServedModel.load(ws.model);
  // Another architecture: an adapter made for a tiny BERT with another hidden size would need its own
  // base; here the ranks are kept and the shapes broken by editing the config's r.
  const wrongRank = ws.path('wrong-rank');
  cpSync(ws.adapter('alpha'), wrongRank, { recursive: true });
  const configPath = join(wrongRank, 'adapter_config.json');
  const config = JSON.parse(readFileSync(configPath, 'utf8')) as Record<string, unknown>;
  writeFileSync(configPath, JSON.stringify({ ...config, r: 3 }));
  assert.throws(
    () => served.attach('x', wrongRank),
    (e: unknown) =>
      e instanceof UserError && /has shape \[4, 16\] but module .*query expects \[3, 16\]/.test(e.message),
  );
  const missingTargets = ws.path('missing-targets');
  cpSync(ws.adapter('alpha'), missingTargets, { recursive: true });
  writeFileSync(
    join(missingTargets, 'adapter_config.json'),
    JSON.stringify({ ...config, target_modules: ['q_proj', 'v_proj'] }),
  );
  assert.throws(
    () => served.attach('y', missingTargets),
    (e: unknown) =>
      e instanceof UserError &&
      /No module of the model matches target_modules \["q_proj", "v_proj"\]/.test(e.message),
  );
  assert.deepEqual(multiAdapterLayers((served as unknown as { model: never }).model), [], 'nothing attached');
});

test('an adapter without a head is refused on a base without one: its predictions would be random', async () => {
  const served = await ServedModel.load(ws.model);
  const headless = ws.path('headless');
  await writeAdapter(ws.model, headless, { ...ADAPTERS.alpha, labels: ['LABEL_0', 'LABEL_1', 'LABEL_2'] });
  const file = join(headless, 'adapter_model.safetensors');
  const tensors = readSafetensors(file).tensors;
  for (const key of [...tensors.keys()]) if (key.includes('classifier')) tensors.delete(key);
  writeSafetensors(file, tensors, { format: 'pt' });
  const configPath = join(headless, 'adapter_config.json');
  const config = JSON.parse(readFileSync(configPath, 'utf8')) as Record<string, unknown>;
  writeFileSync(configPath, JSON.stringify({ ...config, task_type: null, modules_to_save: null }));
  assert.throws(
    () => served.attach('h', headless),
    (e: unknown) =>
      e instanceof UserError &&
      /no trained classifier\.weight and the adapter .* brings none/.test(e.message),
  );
});

test('texts over the maximum length are cut and marked', async () => {
  const served = await ServedModel.load(ws.model, { maxLen: 8 });
  const long = served.encode(texts(1)[0] + ' card fee limit statement interest debt', 'none');
  assert.equal(long.ids.length, 8);
  assert.equal(long.truncated, true);
  const text = texts(1)[0] + ' card fee limit statement interest debt';
  assert.deepEqual(
    long.ids,
    served.tokenizer.encode(text, { maxLength: 8 }),
    "the tokenizer's own truncation",
  );
  const short = served.encode('card fee', 'none');
  assert.equal(short.truncated, false);
  assert.equal(short.ids.length, 4);
});
