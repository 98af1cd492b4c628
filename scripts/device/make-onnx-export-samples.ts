// Writes, for every model family, the folder `lora-lab export-onnx` makes (the fixture's model with the
// PEFT-saved adapter of tests/fixtures/families merged, int8 model too) and what LoRA Lab predicts on a
// few texts, for check_onnx_export.py to load with onnx, onnxruntime and transformers' tokenizer.
//
//   node --import tsx scripts/device/make-onnx-export-samples.ts [OUT_DIR]   (default .device-input/onnx-export)
//
// OUT_DIR/<family>/export/         config.json, tokenizer files, onnx/model.onnx, onnx/model_quantized.onnx
// OUT_DIR/<family>/expected.json   the texts, our label and logits for each, the golden batch and
//                                  PEFT's merged logits on it (golden.json)
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { codeVersion } from '../../src/cli/provenance.js';
import { loadClassifier, predictTexts } from '../../src/experiments/classifier.js';
import { writeOnnxExport } from '../../src/export/onnx/index.js';
import { writeJsonAtomic } from '../../src/io/atomic-write.js';
import { saveHfDirectory } from '../../src/io/hf-directory.js';
import {
  familyFixtureDir,
  familyGolden,
  familyTokenizerFiles,
  goldenModel,
} from '../../tests/parity/families/family-golden.js';

const FAMILIES = ['bert', 'distilbert', 'electra', 'roberta', 'xlm-roberta', 'modernbert'];
const LABELS = ['billing', 'card', 'debt', 'loan', 'other'];
const TEXTS = [
  'I was charged twice on my credit card.',
  'A debt collector keeps calling me about a debt I do not owe.',
  'The bank closed my account without telling me.',
  'My mortgage servicer lost the payment I sent in March.',
  'Café résumé — they refused my application!',
];

const out = resolve(process.argv[2] ?? '.device-input/onnx-export');
for (const family of FAMILIES) {
  const golden = familyGolden(family);
  const dir = join(out, family);
  rmSync(dir, { recursive: true, force: true });
  const modelDir = join(dir, 'model');
  await saveHfDirectory(goldenModel(golden), modelDir, { labels: LABELS });
  for (const name of familyTokenizerFiles(family))
    copyFileSync(join(familyFixtureDir(family), name), join(modelDir, name));
  const adapter = `${familyFixtureDir(family)}peft-adapter`;
  const ours = await loadClassifier({ model: modelDir, adapter });
  const predictions = [
    ...predictTexts(ours.model, ours.tokenizer, ours.labels, TEXTS, { maxLen: 64, batchSize: 8 }),
  ];
  const loaded = await loadClassifier({ model: modelDir, adapter });
  mkdirSync(dir, { recursive: true });
  writeOnnxExport(loaded.model, join(dir, 'export'), {
    labels: loaded.labels,
    tokenizer: loaded.tokenizer,
    quantize: 'int8',
  });
  rmSync(modelDir, { recursive: true, force: true });
  writeJsonAtomic(join(dir, 'expected.json'), {
    family,
    source: codeVersion(),
    texts: TEXTS,
    predictions: predictions.map((p) => ({ label: p.label, logits: p.logits })),
    batch: golden.batch,
    merged_logits: golden.lora.merged_logits,
  });
}
console.log(JSON.stringify({ out, families: FAMILIES }));
