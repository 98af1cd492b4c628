import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { env, pipeline } from '@huggingface/transformers';
import { registerExportOnnx } from '../../src/cli/export-onnx.js';
import { registerPredict } from '../../src/cli/predict.js';
import { saveHfDirectory } from '../../src/io/hf-directory.js';
import {
  familyFixtureDir,
  familyGolden,
  familyTokenizerFiles,
  goldenModel,
} from '../parity/families/family-golden.js';
import { runCommand } from '../cli/run-command.js';

/**
 * transformers.js (@huggingface/transformers, in Node, on onnxruntime-node) loads the folder that
 * `export-onnx` writes, as published checkpoints are loaded, and its text-classification pipeline gives
 * the labels (and probabilities) that `lora-lab predict` gives with the same model and adapter.
 */
const FAMILIES = ['bert', 'distilbert', 'electra', 'roberta', 'xlm-roberta', 'modernbert'];
const LABELS = ['billing', 'card', 'debt', 'loan', 'other'];
const TEXTS = [
  'I was charged twice on my credit card.',
  'A debt collector keeps calling me about a debt I do not owe.',
  'The bank closed my account without telling me.',
  'My mortgage servicer lost the payment I sent in March.',
  'Café résumé — they refused my application!',
];

let work: string;
before(() => {
  work = mkdtempSync(join(tmpdir(), 'lora-lab-transformers-js-'));
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = `${work}/`;
});
after(() => rmSync(work, { recursive: true, force: true }));

interface Predicted {
  label: string;
  scores: Record<string, number>;
}

for (const family of FAMILIES) {
  test(`${family}: transformers.js's text-classification pipeline on the export gives lora-lab predict's labels`, async (t) => {
    const modelDir = join(work, `${family}-model`);
    await saveHfDirectory(goldenModel(familyGolden(family)), modelDir, { labels: LABELS });
    for (const name of familyTokenizerFiles(family))
      copyFileSync(join(familyFixtureDir(family), name), join(modelDir, name));
    const adapter = `${familyFixtureDir(family)}peft-adapter`;
    await runCommand(registerExportOnnx, [
      'export-onnx',
      '--model',
      modelDir,
      '--adapter',
      adapter,
      '--out',
      join(work, family),
      '--quantize',
      'int8',
    ]);

    const { stdout } = await runCommand(registerPredict, [
      'predict',
      '--model',
      modelDir,
      '--adapter',
      adapter,
      '--json',
      '--threads',
      '1',
      '--text',
      ...TEXTS,
    ]);
    const ours = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Predicted);

    for (const dtype of ['fp32', 'q8'] as const) {
      const classify = await pipeline('text-classification', family, { dtype, device: 'cpu' });
      // Every label's probability, not only the top one: the whole distribution is compared.
      const theirs = (await classify(TEXTS, { top_k: null })) as unknown as {
        label: string;
        score: number;
      }[][];
      const top = theirs.map((scores) => scores.reduce((a, b) => (b.score > a.score ? b : a)));
      assert.deepEqual(
        top.map((r) => r.label),
        ours.map((p) => p.label),
        `${dtype}: the same label for every text`,
      );
      let drift = 0;
      theirs.forEach((scores, i) => {
        assert.deepEqual(scores.map((s) => s.label).sort(), [...LABELS].sort(), 'every label, by its name');
        for (const s of scores) drift = Math.max(drift, Math.abs(s.score - ours[i].scores[s.label]));
      });
      if (dtype === 'fp32')
        assert.ok(drift <= 1e-4, `fp32: probabilities differ from lora-lab predict's by ${drift}`);
      t.diagnostic(
        `${family} ${dtype}: ${top.map((r) => r.label).join(', ')}; every probability max |Δ| ${drift.toExponential(2)}`,
      );
      await classify.dispose();
    }
  });
}
