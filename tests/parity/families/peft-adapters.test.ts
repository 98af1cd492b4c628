import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { loadPeftAdapter } from '../../../src/io/peft-adapter.js';
import { mergeAndUnload } from '../../../src/lora/merge.js';
import { noGrad } from '../../../src/tensor/autograd.js';
import { familyFixtureDir, familyGolden, goldenBatch, goldenModel } from './family-golden.js';

/**
 * Adapters that PEFT itself saved (scripts/device/save_family_adapters.py: the golden LoRA of each family
 * through `save_pretrained`) load into LoRA Lab's model of that family with PEFT's logits, unmerged and
 * merged: the adapter files' names and config are the contract, for every family.
 */
const FAMILIES = ['bert', 'distilbert', 'electra', 'roberta', 'xlm-roberta', 'modernbert', 'modernbert-cls'];

for (const family of FAMILIES) {
  test(`${family}: an adapter saved by PEFT loads with PEFT's logits, unmerged and merged`, (t) => {
    const dir = `${familyFixtureDir(family)}peft-adapter`;
    assert.ok(existsSync(dir), `${dir} is committed`);
    const golden = familyGolden(family);
    const model = goldenModel(golden).eval();
    loadPeftAdapter(model, dir);
    const b = goldenBatch(golden);
    const worst = (data: Float32Array, expected: number[][]) =>
      Math.max(...Array.from(data, (v, i) => Math.abs(v - expected.flat()[i])));
    const unmerged = worst(noGrad(() => model.forward(b.ids, b.mask, b.types)).data, golden.lora.logits);
    assert.ok(unmerged <= 1e-4, `logits differ from PEFT's by ${unmerged}`);
    const merged = mergeAndUnload(model);
    const m = worst(noGrad(() => merged.forward(b.ids, b.mask, b.types)).data, golden.lora.merged_logits);
    assert.ok(m <= 1e-4, `merged logits differ from PEFT's by ${m}`);
    t.diagnostic(
      `${family}: PEFT-saved adapter, logits max |Δ| ${unmerged.toExponential(2)}, merged ${m.toExponential(2)}`,
    );
  });
}
