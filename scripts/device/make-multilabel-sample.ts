// Trains and saves a small multi-label model with LoRA Lab (full fine-tuning of the shared bert-tiny-mlm,
// a few steps on made-up rows), plus the inputs and what our engine predicts on them, for
// make_multilabel_golden.py to load with transformers and compare.
//
//   node --import tsx scripts/device/make-multilabel-sample.ts [OUT_DIR]   (default .device-input/multilabel-sample)
//
// OUT_DIR/run/model/    what `lora-lab train --multi-label` saves: config.json (problem_type), weights, tokenizer
// OUT_DIR/inputs.json   texts, max_length, labels, our logits and label sets (threshold 0.5), 0/1 targets
//                       for transformers' loss, and source (the commit it was made from)
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeJsonAtomic } from '../../src/io/atomic-write.js';
import { sharedPath } from '../../src/io/shared-dir.js';
import { loadClassifier, predictTexts } from '../../src/experiments/classifier.js';
import { runTraining, DEFAULT_SCRATCH_SHAPE } from '../../src/experiments/train-run.js';
import { codeVersion } from '../../src/cli/provenance.js';
import { Rng } from '../../src/tensor/random.js';

const out = resolve(process.argv[2] ?? '.device-input/multilabel-sample');
const LABELS = ['billing', 'fraud', 'late fee', 'mortgage'];
const WORDS: Record<string, string[]> = {
  billing: ['bill', 'charged', 'statement', 'invoice'],
  fraud: ['fraud', 'stolen', 'identity', 'unauthorized'],
  'late fee': ['late', 'fee', 'penalty', 'overdue'],
  mortgage: ['mortgage', 'house', 'escrow', 'servicer'],
};
const rng = new Rng(7);
const rows = Array.from({ length: 80 }, (_, i) => {
  const labels = LABELS.filter((_, j) => (i >> j) % 2 === 1 || (i % 4 === j && i % 3 === 0));
  const words = ['i', 'my', 'the', 'bank'];
  for (const label of labels) for (let w = 0; w < 3; w++) words.push(WORDS[label]![rng.int(4)]!);
  return { text: words.join(' '), labels: labels.length > 0 ? labels : ['billing'] };
});
mkdirSync(out, { recursive: true });
const train = join(out, 'train.jsonl');
writeFileSync(train, rows.map((r) => JSON.stringify(r)).join('\n'));

const base = sharedPath('models', 'bert-tiny-mlm');
const run = join(out, 'run');
await runTraining({
  method: 'full',
  dataFiles: { trainFile: train, multiLabel: true, valSize: 0, testSize: 0.2, seed: 42 },
  outputDir: run,
  baseModel: base,
  epochs: 3,
  batchSize: 8,
  lr: 5e-4,
  maxLen: 64,
  weightDecay: 0.01,
  schedule: 'constant',
  warmupRatio: 0,
  seed: 42,
  lora: { r: 8, alpha: 32, dropout: 0, targets: null },
  scratch: DEFAULT_SCRATCH_SHAPE,
});
const modelDir = join(run, 'model');
const classifier = await loadClassifier({ model: modelDir });
const texts = [
  ...rows.slice(0, 12).map((r) => r.text),
  'my identity was stolen and the bill was late',
  'escrow',
];
const predictions = [
  ...predictTexts(classifier.model, classifier.tokenizer, classifier.labels, texts, {
    maxLen: 64,
    batchSize: 8,
  }),
];
const targets = texts.map((_, i) =>
  classifier.labels.map((name) => (rows[i]?.labels.includes(name) ? 1 : 0)),
);
writeJsonAtomic(join(out, 'inputs.json'), {
  texts,
  max_length: 64,
  labels: classifier.labels,
  logits: predictions.map((p) => p.logits),
  label_sets: predictions.map((p) => p.labels ?? []),
  targets,
  source: codeVersion(),
});
console.log(JSON.stringify({ model: modelDir, texts: texts.length, multi_label: classifier.multiLabel }));
