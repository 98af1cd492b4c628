// Writes, for every model family, a classifier and a LoRA adapter trained by LoRA Lab, with the logits our
// engine gives, for check_family_load.py to load with transformers and PEFT and compare.
//
//   node --import tsx scripts/device/make-family-samples.ts [OUT_DIR]   (default runs/family-samples)
//
// OUT_DIR/<family>/model/          the fixture's model (hashed weights, tests/fixtures/families), fully
//                                  fine-tuned 3 AdamW steps here, saved by saveHfDirectory with label
//                                  names, plus the fixture's tokenizer files
// OUT_DIR/<family>/adapter/        LoRA (the family's default targets, r 8, alpha 16) trained 3 steps on
//                                  that model and saved by savePeftAdapter
// OUT_DIR/<family>/expected.json   the batch, our logits of the model, of the adapter and of the merged
//                                  adapter, and our trainable / total parameter counts
import { copyFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { codeVersion } from '../../src/cli/provenance.js';
import { writeJsonAtomic } from '../../src/io/atomic-write.js';
import { saveHfDirectory } from '../../src/io/hf-directory.js';
import { savePeftAdapter } from '../../src/io/peft-adapter.js';
import { createLoraConfig } from '../../src/lora/config.js';
import { applyLora } from '../../src/lora/inject.js';
import { mergeLora, unmergeLora } from '../../src/lora/merge.js';
import { trainableParameterReport } from '../../src/lora/report.js';
import type { SequenceClassifier } from '../../src/models/family.js';
import { AdamW } from '../../src/optim/adamw.js';
import { backward, noGrad } from '../../src/tensor/autograd.js';
import { Rng } from '../../src/tensor/random.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import {
  familyFixtureDir,
  familyGolden,
  familyTokenizerFiles,
  goldenBatch,
  goldenModel,
  type BatchTensors,
} from '../../tests/parity/families/family-golden.js';

const FAMILIES = ['bert', 'distilbert', 'electra', 'roberta', 'xlm-roberta', 'modernbert'];
const LABELS = ['billing', 'fraud', 'credit report', 'mortgage', 'other'];

const out = resolve(process.argv[2] ?? 'runs/family-samples');
const summary: Record<string, unknown>[] = [];
for (const family of FAMILIES) {
  const golden = familyGolden(family);
  const batch = goldenBatch(golden);
  const dir = join(out, family);

  const model = goldenModel(golden);
  train(model, batch, new AdamW(model.namedParameters(), { lr: 1e-3 }));
  const modelDir = join(dir, 'model');
  await saveHfDirectory(model, modelDir, { labels: LABELS });
  for (const name of familyTokenizerFiles(family)) {
    copyFileSync(join(familyFixtureDir(family), name), join(modelDir, name));
  }
  if (!existsSync(join(modelDir, 'tokenizer.json'))) throw new Error(`${family}: no tokenizer copied`);
  const modelLogits = logitsOf(model, batch);

  const rng = new Rng(7);
  applyLora(model, createLoraConfig({ task_type: 'SEQ_CLS', r: 8, lora_alpha: 16 }), rng);
  const trainable = [...model.namedParameters()].filter(([, p]) => p.requiresGrad);
  train(model, batch, new AdamW(trainable, { lr: 1e-2 }));
  const adapterLogits = logitsOf(model, batch);
  mergeLora(model);
  const mergedLogits = logitsOf(model, batch);
  unmergeLora(model);
  const report = trainableParameterReport(model);
  savePeftAdapter(model, join(dir, 'adapter'), undefined, { baseModelNameOrPath: modelDir });

  writeJsonAtomic(join(dir, 'expected.json'), {
    family,
    source: codeVersion(),
    batch: golden.batch,
    model_logits: modelLogits,
    adapter_logits: adapterLogits,
    merged_logits: mergedLogits,
    trainable: report.trainable,
    total: report.total,
  });
  summary.push({ family, dir, trainable: report.trainable, total: report.total });
}
console.log(JSON.stringify({ out, families: summary }));

function train(model: SequenceClassifier, b: BatchTensors, optimizer: AdamW): void {
  model.train();
  for (let step = 0; step < 3; step++) {
    model.zeroGrad();
    backward(model.loss(model.forward(b.ids, b.mask, b.types), b.labels));
    optimizer.step();
  }
  model.zeroGrad();
}

function logitsOf(model: SequenceClassifier, b: BatchTensors): number[][] {
  model.eval();
  const logits: Tensor = noGrad(() => model.forward(b.ids, b.mask, b.types));
  const width = logits.shape[1];
  return Array.from({ length: logits.shape[0] }, (_, r) =>
    Array.from(logits.data.subarray(r * width, (r + 1) * width)),
  );
}
