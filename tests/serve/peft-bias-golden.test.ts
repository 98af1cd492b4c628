// Adapters that PEFT 0.21 itself saved with trained biases (tests/fixtures/peft-bias, made by
// scripts/device/save_bias_adapters.py on bert-tiny-mlm): bias "all" trains every bias, the LayerNorms'
// included; bias "lora_only" the biases of the adapted layers. Both must give the logits PEFT gives
// (PeftModel.from_pretrained on the saved files), loaded as `lora-lab predict` loads them and as the
// server serves them: alone, merged, and mixed with each other and the base model in one batch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { useKernels } from '../../src/kernels/active.js';
import { createReferenceKernels } from '../../src/kernels/reference/index.js';
import { loadClassifier, predictTexts } from '../../src/experiments/classifier.js';
import { multiAdapterLayers } from '../../src/lora/multi-adapter.js';
import { MultiAdapterLayerNorm } from '../../src/lora/multi-adapter-layer-norm.js';
import { ServedModel, type ServedAdapter } from '../../src/serve/served-model.js';
import { requireShared } from '../helpers/shared.js';
import { maxDiff } from './helpers.js';

useKernels(createReferenceKernels());

const MODES = ['all', 'lora_only'] as const;
type Mode = (typeof MODES)[number];
const TOLERANCE = 1e-4;

/** golden.json beside each adapter (see the script's docstring). */
interface BiasGolden {
  bias: Mode;
  labels: string[];
  texts: string[];
  max_length: number;
  /** Padded with 0 ([PAD]) to the longest text. */
  input_ids: number[][];
  trained: string[];
  logits_in_memory: number[][];
  logits_reloaded: number[][];
}

function adapterDir(mode: Mode): string {
  return new URL(`../fixtures/peft-bias/bias-${mode}`, import.meta.url).pathname;
}

function golden(mode: Mode): BiasGolden {
  return JSON.parse(readFileSync(`${adapterDir(mode)}/golden.json`, 'utf8')) as BiasGolden;
}

/** The golden ids of a row without their padding ([PAD] is 0 in bert-tiny's vocabulary). */
function unpadded(ids: readonly number[]): number[] {
  let end = ids.length;
  while (end > 0 && ids[end - 1] === 0) end--;
  return ids.slice(0, end);
}

test('PEFT 0.21 saves every bias these modes train: the reloaded logits equal the logits in memory, bit for bit', () => {
  for (const mode of MODES) {
    const g = golden(mode);
    assert.equal(g.bias, mode);
    assert.deepEqual(g.logits_reloaded, g.logits_in_memory, `bias "${mode}"`);
  }
  // bias "all" trains the LayerNorms' biases too, which is what the server must switch per row.
  assert.ok(golden('all').trained.some((name) => name.endsWith('LayerNorm.bias')));
  assert.ok(!golden('lora_only').trained.some((name) => name.endsWith('LayerNorm.bias')));
});

for (const mode of MODES) {
  test(`bias "${mode}": PEFT's adapter loaded as predict loads it gives PEFT's logits`, async (t) => {
    const base = requireShared(t, 'models', 'bert-tiny-mlm');
    if (!base) return;
    const g = golden(mode);
    const loaded = await loadClassifier({ model: base, adapter: adapterDir(mode) });
    assert.deepEqual(loaded.labels, g.labels);
    const batch = loaded.tokenizer.encodeBatch(g.texts, {
      maxLength: g.max_length,
      truncation: true,
      padding: 'longest',
    });
    const ids = g.input_ids.map((_, i) =>
      Array.from(batch.inputIds.subarray(i * batch.length, (i + 1) * batch.length)),
    );
    assert.deepEqual(ids, g.input_ids, 'the same token ids as transformers');
    const logits = [
      ...predictTexts(loaded.model, loaded.tokenizer, loaded.labels, g.texts, {
        maxLen: g.max_length,
        batchSize: 64,
      }),
    ].map((p) => p.logits);
    const diff = maxDiff(logits, g.logits_reloaded);
    t.diagnostic(`bias "${mode}", predict: logits max |Δ| from PEFT's ${diff.toExponential(2)}`);
    assert.ok(diff <= TOLERANCE, `logits differ from PEFT's by ${diff}`);
  });
}

test("both PEFT adapters served at once, unmerged and merged, mixed with the base in one batch, give PEFT's logits", async (t) => {
  const base = requireShared(t, 'models', 'bert-tiny-mlm');
  if (!base) return;
  const served = await ServedModel.load(base, { maxLen: 64 });
  const texts = golden('all').texts;
  const baseAlone = served.logits(
    texts.map((text) => ({ input: served.encode(text, 'none'), adapter: null })),
  );
  const adapters = new Map<string, { mode: Mode; adapter: ServedAdapter }>();
  for (const mode of MODES) {
    adapters.set(mode, { mode, adapter: served.attach(mode, adapterDir(mode)) });
    adapters.set(`${mode} merged`, {
      mode,
      adapter: served.attach(`${mode}-merged`, adapterDir(mode), { merge: true }),
    });
  }
  // bias "all" switched the LayerNorms: each one of the model now holds a per-adapter bias.
  const model = (served as unknown as { model: never }).model;
  const norms = multiAdapterLayers(model).filter(([, layer]) => layer instanceof MultiAdapterLayerNorm);
  assert.equal(norms.length, 5, "the embeddings' LayerNorm and two per encoder layer");
  for (const mode of MODES) {
    for (const [i, text] of texts.entries()) {
      assert.deepEqual(served.encode(text, 'none').ids, unpadded(golden(mode).input_ids[i]));
    }
  }
  // Every text through every adapter and through the base, interleaved in one batch.
  const who = [...adapters.values(), null];
  const rows = who.flatMap((entry) =>
    texts.map((text) => ({ input: served.encode(text, 'none'), adapter: entry?.adapter ?? null })),
  );
  const shuffled = rows.map((_, i) => (i * 7) % rows.length);
  assert.equal(new Set(shuffled).size, rows.length);
  const answers = served.logits(shuffled.map((i) => rows[i]));
  const byRow = new Array<number[]>(rows.length);
  shuffled.forEach((row, position) => (byRow[row] = answers[position]));
  who.forEach((entry, k) => {
    const got = byRow.slice(k * texts.length, (k + 1) * texts.length);
    if (entry === null) {
      assert.ok(maxDiff(got, baseAlone) <= 1e-6, 'the base rows answer as the base alone');
      return;
    }
    const diff = maxDiff(got, golden(entry.mode).logits_reloaded);
    const name = [...adapters].find(([, e]) => e === entry)![0];
    t.diagnostic(
      `bias "${name}", served in a mixed batch: logits max |Δ| from PEFT's ${diff.toExponential(2)}`,
    );
    assert.ok(diff <= TOLERANCE, `${name}: logits differ from PEFT's by ${diff}`);
  });
  // Each adapter alone in its batch too (the path without slicing).
  for (const [name, { mode, adapter }] of adapters) {
    const alone = served.logits(texts.map((text) => ({ input: served.encode(text, 'none'), adapter })));
    const diff = maxDiff(alone, golden(mode).logits_reloaded);
    t.diagnostic(`bias "${name}", served alone: logits max |Δ| from PEFT's ${diff.toExponential(2)}`);
    assert.ok(diff <= TOLERANCE, `${name} alone: logits differ from PEFT's by ${diff}`);
  }
  for (const { adapter } of adapters.values()) served.detach(adapter);
  assert.deepEqual(multiAdapterLayers(model), [], 'every wrapper gone once every adapter is');
  const after = served.logits(texts.map((text) => ({ input: served.encode(text, 'none'), adapter: null })));
  assert.deepEqual(after, baseAlone, 'the base model, bit for bit, once the adapters are gone');
});
