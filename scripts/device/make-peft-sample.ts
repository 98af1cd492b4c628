// Writes LoRA adapters made by LoRA Lab (one trained a few steps, others perturbed to exercise more
// of the config) with the base model they belong to, the inputs, and the logits our engine gives, for
// check_peft_load.py to load with PEFT and compare.
//
//   node --import tsx scripts/device/make-peft-sample.ts [OUT_DIR]   (default runs/peft-sample)
//
// OUT_DIR/base/                      the base model (bert-tiny-cls from the shared fixtures), saved by us
// OUT_DIR/inputs.json                input_ids, attention_mask, token_type_ids, labels (8 rows × 64), and
//                                    source (the commit it was made from), which the verdict repeats
// OUT_DIR/adapters/NAME/             adapter_config.json, adapter_model.safetensors (savePeftAdapter)
// OUT_DIR/adapters/NAME/expected.json  our logits, merged logits and trainable-parameter counts
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeJsonAtomic } from '../../src/io/atomic-write.js';
import { loadSequenceClassifier, saveHfDirectory } from '../../src/io/hf-directory.js';
import { savePeftAdapter } from '../../src/io/peft-adapter.js';
import { sharedPath } from '../../src/io/shared-dir.js';
import { createLoraConfig, type LoraConfigInit } from '../../src/lora/config.js';
import { applyLora } from '../../src/lora/inject.js';
import { mergeLora, unmergeLora } from '../../src/lora/merge.js';
import { trainableParameterReport } from '../../src/lora/report.js';
import type { SequenceClassifier } from '../../src/models/family.js';
import { AdamW } from '../../src/optim/adamw.js';
import { backward, noGrad } from '../../src/tensor/autograd.js';
import { Rng } from '../../src/tensor/random.js';
import { IntTensor } from '../../src/tensor/tensor.js';
import { codeVersion } from '../../src/cli/provenance.js';

interface Inputs {
  input_ids: number[][];
  attention_mask: number[][];
  token_type_ids: number[][];
  labels: number[];
}

interface Sample {
  name: string;
  config: LoraConfigInit;
  /** AdamW steps on the inputs (train mode, dropout on); 0 perturbs the weights at random instead. */
  trainSteps: number;
}

const SAMPLES: Sample[] = [
  {
    // The study's adapter: r 8, alpha 16 on query and value, classifier saved.
    name: 'qv-r8-trained',
    config: {
      r: 8,
      lora_alpha: 16,
      lora_dropout: 0.1,
      target_modules: ['query', 'value'],
      task_type: 'SEQ_CLS',
    },
    trainSteps: 6,
  },
  {
    // rsLoRA, a regular-expression target, a per-module rank and every bias trained.
    name: 'rslora-regex-bias-all',
    config: {
      r: 4,
      lora_alpha: 8,
      use_rslora: true,
      target_modules: '.*\\.attention\\.self\\.(query|key|value)',
      rank_pattern: { key: 2 },
      bias: 'all',
      task_type: 'SEQ_CLS',
    },
    trainSteps: 0,
  },
  {
    // PEFT's 'all-linear': every Linear but the classification head.
    name: 'all-linear',
    config: { r: 8, lora_alpha: 8, target_modules: 'all-linear', task_type: 'SEQ_CLS' },
    trainSteps: 0,
  },
  {
    // The dense layers (called through fields, not projection()) of layer 1 only; no task type, so the
    // head is saved only because modules_to_save names it.
    name: 'dense-layer1-no-task',
    config: {
      r: 2,
      lora_alpha: 4,
      target_modules: ['dense'],
      layers_to_transform: [1],
      layers_pattern: 'layer',
      modules_to_save: ['classifier'],
    },
    trainSteps: 0,
  },
];

const out = resolve(process.argv[2] ?? 'runs/peft-sample');
const baseSource = sharedPath('fixtures', 'bert-tiny-cls');
const inputs = JSON.parse(
  readFileSync(sharedPath('fixtures', 'forward_backward_golden.json'), 'utf8'),
) as Inputs;
const shape = [inputs.input_ids.length, inputs.input_ids[0].length];
const ids = IntTensor.from(inputs.input_ids.flat(), shape);
const mask = IntTensor.from(inputs.attention_mask.flat(), shape);
const types = IntTensor.from(inputs.token_type_ids.flat(), shape);
const labels = IntTensor.from(inputs.labels, [inputs.labels.length]);

const baseDir = join(out, 'base');
{
  const { model } = await loadSequenceClassifier(baseSource, { rng: new Rng(0) });
  await saveHfDirectory(model, baseDir, { labels: model.config.labels });
}
writeJsonAtomic(join(out, 'inputs.json'), {
  input_ids: inputs.input_ids,
  attention_mask: inputs.attention_mask,
  token_type_ids: inputs.token_type_ids,
  labels: inputs.labels,
  source: codeVersion(),
});

const rows = (data: Float32Array, width: number): number[][] =>
  Array.from({ length: shape[0] }, (_, b) => Array.from(data.subarray(b * width, (b + 1) * width)));

const summary: Record<string, unknown>[] = [];
for (const [index, sample] of SAMPLES.entries()) {
  const rng = new Rng(100 + index);
  const { model } = await loadSequenceClassifier(baseDir, { rng });
  applyLora(model, createLoraConfig(sample.config), rng);
  if (sample.trainSteps > 0) train(model, sample.trainSteps);
  else perturb(model, rng);
  // A few more random digits on B either way: six small steps leave it close to zero.
  perturbFactorsB(model, rng);

  const numLabels = model.config.numLabels;
  model.eval();
  const logits = noGrad(() => model.forward(ids, mask, types));
  mergeLora(model);
  const merged = noGrad(() => model.forward(ids, mask, types));
  unmergeLora(model);
  const report = trainableParameterReport(model);

  const dir = join(out, 'adapters', sample.name);
  savePeftAdapter(model, dir, undefined, { baseModelNameOrPath: baseDir });
  writeJsonAtomic(join(dir, 'expected.json'), {
    logits: rows(logits.data, numLabels),
    merged_logits: rows(merged.data, numLabels),
    trainable: report.trainable,
    total: report.total,
    text: report.text,
  });
  summary.push({ name: sample.name, dir, ...report });
}
console.log(JSON.stringify({ out, base: baseDir, adapters: summary }));

function train(model: SequenceClassifier, steps: number): void {
  model.train();
  const optimizer = new AdamW(model.namedParameters(), { lr: 1e-2 });
  for (let step = 0; step < steps; step++) {
    model.zeroGrad();
    const loss = model.loss(model.forward(ids, mask, types), labels);
    backward(loss);
    optimizer.step();
  }
  model.zeroGrad();
}

/** Random changes to everything the adapter saves: LoRA factors, trainable biases, the head. */
function perturb(model: SequenceClassifier, rng: Rng): void {
  for (const [name, p] of model.namedParameters()) {
    if (!p.requiresGrad) continue;
    const scale = name.includes('lora_') ? 0.05 : 0.02;
    for (let i = 0; i < p.data.length; i++) p.data[i] += scale * rng.normal();
  }
}

function perturbFactorsB(model: SequenceClassifier, rng: Rng): void {
  for (const [name, p] of model.namedParameters()) {
    if (!name.endsWith('lora_B.weight')) continue;
    for (let i = 0; i < p.data.length; i++) p.data[i] += 0.02 * rng.normal();
  }
}
