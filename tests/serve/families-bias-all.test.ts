// Every family calls its LayerNorms through the module tree (normLayer), so the server can switch
// their biases per row: an adapter with bias "all" (every bias trained, the LayerNorms' included) is
// served with the logits `lora-lab predict` gives, mixed in one batch with the base model's rows.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useKernels } from '../../src/kernels/active.js';
import { createReferenceKernels } from '../../src/kernels/reference/index.js';
import { loadClassifier, predictTexts } from '../../src/experiments/classifier.js';
import { saveHfDirectory } from '../../src/io/hf-directory.js';
import { multiAdapterLayers } from '../../src/lora/multi-adapter.js';
import { MultiAdapterLayerNorm } from '../../src/lora/multi-adapter-layer-norm.js';
import { LayerNorm } from '../../src/nn/layer-norm.js';
import { createClassifier, readModelConfig } from '../../src/models/registry.js';
import { Rng } from '../../src/tensor/random.js';
import { ServedModel } from '../../src/serve/served-model.js';
import { familyFixtureDir, familyGolden, familyTokenizerFiles } from '../parity/families/family-golden.js';
import { maxDiff, writeAdapter } from './helpers.js';

useKernels(createReferenceKernels());

const FAMILIES = ['bert', 'distilbert', 'electra', 'roberta', 'xlm-roberta', 'modernbert'];
const LABELS = ['billing', 'debt', 'mortgage'];
const TEXTS = [
  'I was charged a late fee on my credit card.',
  'The debt collector keeps calling me.',
  'My mortgage servicer lost the paperwork for my modification request, twice.',
  'Fees.',
];

let work: string;
before(() => {
  work = mkdtempSync(join(tmpdir(), 'lora-lab-bias-all-'));
});
after(() => rmSync(work, { recursive: true, force: true }));

/** The family's golden config (ModernBERT's with norm_bias on, so that its norms have biases) as a model folder. */
async function modelDir(family: string): Promise<string> {
  const golden = familyGolden(family);
  const json = family === 'modernbert' ? { ...golden.config, norm_bias: true } : golden.config;
  const config = readModelConfig(json, `${family} golden config`).withLabels(LABELS);
  const model = createClassifier(config, new Rng(3), { initialize: true });
  const dir = join(work, `${family}-model`);
  await saveHfDirectory(model, dir, { labels: LABELS });
  for (const name of familyTokenizerFiles(family))
    copyFileSync(join(familyFixtureDir(family), name), join(dir, name));
  return dir;
}

for (const family of FAMILIES) {
  test(`${family}: an adapter with bias "all" is served with predict's logits, its LayerNorms switched per row`, async (t) => {
    const dir = await modelDir(family);
    const served = await ServedModel.load(dir, { maxLen: 32 });
    const model = (served as unknown as { model: never }).model;
    const targets = [...(model as { defaultLoraTargets: readonly string[] }).defaultLoraTargets];
    const spec = { labels: LABELS, targets, r: 4, seed: 17, bias: 'all' as const };
    const adapter = await writeAdapter(dir, join(work, `${family}-all`), spec);
    const loaded = await loadClassifier({ model: dir, adapter });
    const reference = [
      ...predictTexts(loaded.model, loaded.tokenizer, loaded.labels, TEXTS, { maxLen: 32, batchSize: 8 }),
    ].map((p) => p.logits);
    const norms = [...loaded.model.namedModules()].filter(([, m]) => m instanceof LayerNorm && m.bias);
    assert.ok(norms.length > 0, 'the family has LayerNorms with biases');
    const baseAlone = served.logits(
      TEXTS.map((text) => ({ input: served.encode(text, 'none'), adapter: null })),
    );
    const all = served.attach('all', adapter);
    const switched = multiAdapterLayers(model).filter(([, layer]) => layer instanceof MultiAdapterLayerNorm);
    assert.deepEqual(
      switched.map(([path]) => path),
      norms.map(([path]) => path),
      "every LayerNorm with a bias holds the adapter's own",
    );
    const rows = TEXTS.flatMap((text) => [
      { input: served.encode(text, 'none'), adapter: all },
      { input: served.encode(text, 'none'), adapter: null },
    ]);
    const mixed = served.logits(rows);
    const mine = mixed.filter((_, i) => i % 2 === 0);
    const base = mixed.filter((_, i) => i % 2 === 1);
    const diff = maxDiff(mine, reference);
    t.diagnostic(
      `${family}: bias "all" served mixed with the base, logits max |Δ| from predict's ${diff.toExponential(2)}`,
    );
    assert.ok(diff <= 1e-5, `logits differ from predict's by ${diff}`);
    assert.ok(maxDiff(base, baseAlone) <= 1e-5, 'the base rows keep the base biases');
    // The trained biases matter: the same factors and head (the same seed) with the base's biases answer otherwise.
    const unbiased = await writeAdapter(dir, join(work, `${family}-none`), { ...spec, bias: undefined });
    const plain = await loadClassifier({ model: dir, adapter: unbiased });
    const plainLogits = [
      ...predictTexts(plain.model, plain.tokenizer, plain.labels, TEXTS, { maxLen: 32, batchSize: 8 }),
    ].map((p) => p.logits);
    assert.ok(maxDiff(plainLogits, reference) > 1e-3, 'the biases change the logits');
    served.detach(all);
    assert.deepEqual(multiAdapterLayers(model), []);
  });
}
