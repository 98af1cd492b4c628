// Merged adapters (their own copy of the layers they adapt, the low-rank product folded in) and
// adapters that train biases (PEFT's bias "lora_only" and "all", LayerNorms' included), in the served
// model and over HTTP.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { useKernels } from '../../src/kernels/active.js';
import { createReferenceKernels } from '../../src/kernels/reference/index.js';
import { loadClassifier, predictTexts } from '../../src/experiments/classifier.js';
import { MultiAdapterLayerNorm } from '../../src/lora/multi-adapter-layer-norm.js';
import { MultiAdapterLinear } from '../../src/lora/multi-adapter-linear.js';
import { multiAdapterLayers } from '../../src/lora/multi-adapter.js';
import { ServedModel, type ServedAdapter } from '../../src/serve/served-model.js';
import { startServer } from '../../src/serve/server.js';
import {
  ADAPTERS,
  logitsInOrder,
  maxDiff,
  request,
  serveWorkspace,
  texts,
  writeAdapter,
  type ServeWorkspace,
} from './helpers.js';

useKernels(createReferenceKernels());

let ws: ServeWorkspace;
before(async () => {
  ws = await serveWorkspace();
});
after(() => ws?.cleanup());

/** predict's path: the base with this one adapter injected as LoRALinear layers. */
async function aloneLogits(model: string, adapter: string, inputs: string[]): Promise<number[][]> {
  const loaded = await loadClassifier({ model, adapter });
  return [
    ...predictTexts(loaded.model, loaded.tokenizer, loaded.labels, inputs, { maxLen: 64, batchSize: 64 }),
  ].map((p) => p.logits);
}

function rowsOf(served: ServedModel, inputs: string[], pick: (i: number) => ServedAdapter | null) {
  return inputs.map((text, i) => ({ input: served.encode(text, 'none'), adapter: pick(i) }));
}

test('a merged adapter answers as the unmerged one (within 1e-5), alone and mixed, and leaves the base as it was', async () => {
  const served = await ServedModel.load(ws.modelWithHead);
  const inputs = texts(12, 5);
  const baseBefore = served.logits(rowsOf(served, inputs, () => null));
  const alpha = served.attach('alpha', ws.adapter('alpha'));
  const merged = served.attach('alpha-merged', ws.adapter('alpha'), { merge: true });
  const gamma = served.attach('gamma', ws.adapter('gamma'));
  assert.equal(merged.merged, true);
  assert.equal(alpha.merged, false);
  const reference = await aloneLogits(ws.modelWithHead, ws.adapter('alpha'), inputs);
  const unmergedAlone = served.logits(rowsOf(served, inputs, () => alpha));
  const mergedAlone = served.logits(rowsOf(served, inputs, () => merged));
  assert.ok(
    maxDiff(mergedAlone, unmergedAlone) <= 1e-5,
    `merged alone: ${maxDiff(mergedAlone, unmergedAlone)}`,
  );
  assert.ok(maxDiff(mergedAlone, reference) <= 1e-5);
  // A batch of the merged adapter, the unmerged one, another adapter and the base, interleaved.
  const who = [merged, alpha, gamma, null];
  const mixed = served.logits(rowsOf(served, inputs, (i) => who[i % 4]));
  const mine = (k: number) => mixed.filter((_, i) => i % 4 === k);
  const at = (rows: number[][], k: number) => rows.filter((_, i) => i % 4 === k);
  assert.ok(maxDiff(mine(0), at(reference, 0)) <= 1e-5, 'merged rows in a mixed batch');
  assert.ok(maxDiff(mine(1), at(reference, 1)) <= 1e-5, 'unmerged rows in a mixed batch');
  assert.ok(maxDiff(mine(3), at(baseBefore, 3)) <= 1e-5, 'base rows in a mixed batch');
  // The merged adapter brings no low-rank path: its layers hold their own weights.
  const model = (served as unknown as { model: never }).model;
  const query = multiAdapterLayers(model).find(([path]) => path.endsWith('layer.0.attention.self.query'))![1];
  assert.ok(query instanceof MultiAdapterLinear);
  const slots = (query as unknown as { slots: Map<string, { kind: string }> }).slots;
  assert.equal(slots.get(merged.slot)?.kind, 'replace');
  assert.equal(slots.get(alpha.slot)?.kind, 'lora');
  for (const a of [alpha, merged, gamma]) served.detach(a);
  assert.deepEqual(served.logits(rowsOf(served, inputs, () => null)), baseBefore, 'the base, bit for bit');
});

test('an adapter with bias "lora_only" is served with its trained biases, unmerged and merged, as predict loads it', async () => {
  const served = await ServedModel.load(ws.model);
  const spec = { ...ADAPTERS.beta };
  const biased = await writeAdapter(ws.model, ws.path('biased-lora-only'), { ...spec, bias: 'lora_only' });
  const plain = await writeAdapter(ws.model, ws.path('unbiased'), spec);
  const inputs = texts(9, 6);
  const reference = await aloneLogits(ws.model, biased, inputs);
  // The same factors and head without the trained biases answer otherwise: the biases matter here.
  assert.ok(maxDiff(reference, await aloneLogits(ws.model, plain, inputs)) > 1e-3);
  const unmerged = served.attach('b', biased);
  const merged = served.attach('bm', biased, { merge: true });
  const alpha = served.attach('alpha', ws.adapter('alpha'));
  const who = [unmerged, merged, alpha];
  const mixed = served.logits(rowsOf(served, inputs, (i) => who[i % 3]));
  const at = (rows: number[][], k: number) => rows.filter((_, i) => i % 3 === k);
  assert.ok(
    maxDiff(at(mixed, 0), at(reference, 0)) <= 1e-5,
    `unmerged: ${maxDiff(at(mixed, 0), at(reference, 0))}`,
  );
  assert.ok(
    maxDiff(at(mixed, 1), at(reference, 1)) <= 1e-5,
    `merged: ${maxDiff(at(mixed, 1), at(reference, 1))}`,
  );
  const alphaAlone = await aloneLogits(ws.model, ws.adapter('alpha'), inputs);
  assert.ok(maxDiff(at(mixed, 2), at(alphaAlone, 2)) <= 1e-5, 'the other adapter keeps the base biases');
});

test('an adapter with bias "all" is served with every bias it trained, LayerNorms\' included, unmerged and merged, mixed with others', async () => {
  const served = await ServedModel.load(ws.model);
  const all = await writeAdapter(ws.model, ws.path('biased-all'), { ...ADAPTERS.alpha, bias: 'all' });
  const inputs = texts(12, 8);
  const reference = await aloneLogits(ws.model, all, inputs);
  // The same factors and head with the base's biases answer otherwise: the biases matter here.
  assert.ok(maxDiff(reference, await aloneLogits(ws.model, ws.adapter('alpha'), inputs)) > 1e-3);
  const before = served.logits(rowsOf(served, inputs, () => null));
  const unmerged = served.attach('all', all);
  const merged = served.attach('all-merged', all, { merge: true });
  const gamma = served.attach('gamma', ws.adapter('gamma'));
  const model = (served as unknown as { model: never }).model;
  const norms = multiAdapterLayers(model).filter(([, layer]) => layer instanceof MultiAdapterLayerNorm);
  assert.deepEqual(
    norms.map(([path]) => path),
    [
      'bert.embeddings.LayerNorm',
      'bert.encoder.layer.0.attention.output.LayerNorm',
      'bert.encoder.layer.0.output.LayerNorm',
    ],
  );
  const who = [unmerged, gamma, merged, null];
  const mixed = served.logits(rowsOf(served, inputs, (i) => who[i % 4]));
  const at = (rows: number[][], k: number) => rows.filter((_, i) => i % 4 === k);
  assert.ok(
    maxDiff(at(mixed, 0), at(reference, 0)) <= 1e-5,
    `unmerged: ${maxDiff(at(mixed, 0), at(reference, 0))}`,
  );
  assert.ok(
    maxDiff(at(mixed, 2), at(reference, 2)) <= 1e-5,
    `merged: ${maxDiff(at(mixed, 2), at(reference, 2))}`,
  );
  const gammaAlone = await aloneLogits(ws.model, ws.adapter('gamma'), inputs);
  assert.ok(maxDiff(at(mixed, 1), at(gammaAlone, 1)) <= 1e-5, 'the other adapter keeps the base biases');
  assert.ok(maxDiff(at(mixed, 3), at(before, 3)) <= 1e-5, 'the base rows keep the base biases');
  for (const a of [unmerged, merged, gamma]) served.detach(a);
  assert.deepEqual(multiAdapterLayers(model), [], 'every layer plain again');
  assert.deepEqual(served.logits(rowsOf(served, inputs, () => null)), before, 'the base, bit for bit');
});

test('POST /v1/adapters with "merge": true serves a merged copy, with the answers of the unmerged one', async () => {
  const server = await startServer({
    modelDir: ws.model,
    adapters: [{ name: 'alpha', dir: ws.adapter('alpha') }],
    adaptersDir: ws.adaptersDir,
    port: 0,
    maxLen: 64,
    log: () => {},
  });
  try {
    const loaded = await request(`${server.url}/v1/adapters`, {
      body: { name: 'alpha-merged', path: 'alpha', merge: true },
    });
    assert.equal(loaded.status, 201, loaded.text);
    assert.equal((loaded.body as { adapter: { merged: boolean } }).adapter.merged, true);
    const inputs = texts(6, 3);
    const answer = async (adapter: string) =>
      (
        (await request(`${server.url}/v1/classify`, { body: { texts: inputs, adapter } })).body as {
          results: { logits: Record<string, number> }[];
        }
      ).results.map((r) => logitsInOrder(r, ADAPTERS.alpha.labels));
    assert.ok(maxDiff(await answer('alpha-merged'), await answer('alpha')) <= 1e-5);
    const list = (await request(`${server.url}/v1/adapters`)).body as {
      adapters: { name: string; merged: boolean }[];
    };
    assert.deepEqual(
      list.adapters.map((a) => [a.name, a.merged]),
      [
        ['alpha', false],
        ['alpha-merged', true],
      ],
    );
  } finally {
    await server.close();
  }
});
