// Writes a directory saved by LoRA Lab plus the inputs and logits our engine gives on it, for
// check_hf_load.py to load with HF transformers and compare.
//
//   node --import tsx scripts/device/make-hf-save-sample.ts [OUT_DIR]   (default runs/hf-save-sample)
//
// OUT_DIR/model/        config.json, model.safetensors, vocab.txt, tokenizer.json, tokenizer_config.json
// OUT_DIR/inputs.json   texts, max_length, input_ids, attention_mask, token_type_ids, logits, labels, and
//                       source (the commit it was made from), which the verdict repeats
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeJsonAtomic } from '../../src/io/atomic-write.js';
import { loadSequenceClassifier, saveHfDirectory } from '../../src/io/hf-directory.js';
import { sharedPath } from '../../src/io/shared-dir.js';
import { noGrad } from '../../src/tensor/autograd.js';
import { normalInit } from '../../src/tensor/init.js';
import { Rng } from '../../src/tensor/random.js';
import { TextTokenizer } from '../../src/text/tokenizer.js';
import { inputTensors } from '../../src/train/batch-tensors.js';
import { codeVersion } from '../../src/cli/provenance.js';

const LABELS = [
  'Debt collection',
  'Credit reporting',
  'Mortgage',
  'Credit card or prepaid card',
  'Checking or savings account',
  'Student loan',
  'Consumer Loan',
  'Payday or personal loan',
  'Money transfer or virtual currency',
];
const MAX_LENGTH = 64;

const out = resolve(process.argv[2] ?? 'runs/hf-save-sample');
const source = sharedPath('models', 'bert-tiny-mlm');
const rng = new Rng(2024);
const { model, initialized } = await loadSequenceClassifier(source, { labels: LABELS, rng });
// A wider head than HF's 0.02 so the nine logits differ visibly; the encoder stays pre-trained.
normalInit(model.stateDict().get('classifier.weight')!, 0, 0.5, rng);
normalInit(model.stateDict().get('classifier.bias')!, 0, 0.5, rng);
const tokenizer = TextTokenizer.fromDirectory(source, { fallback: 'wordpiece' });

const golden = JSON.parse(readFileSync(sharedPath('fixtures', 'tokenizer_golden.json'), 'utf8')) as {
  cases: { text: string }[];
};
const cases = golden.cases.map((c) => c.text);
// Three narratives (one longer than MAX_LENGTH, so truncated), the hard cases (accents, CJK, emoji,
// control characters, the empty string) and a short one, so rows pad to different lengths.
const texts = [...cases.slice(0, 3), ...cases.slice(-16), 'late fee'];

const batch = tokenizer.encodeBatch(texts, { maxLength: MAX_LENGTH, padding: 'max_length' });
const inputs = inputTensors(batch);
model.eval();
const logits = noGrad(() => model.forward(inputs.inputIds, inputs.attentionMask, inputs.tokenTypeIds));

const modelDir = join(out, 'model');
await saveHfDirectory(model, modelDir, { labels: LABELS, tokenizer });
const rows = (data: Int32Array | Float32Array, width: number): number[][] =>
  Array.from({ length: texts.length }, (_, b) => Array.from(data.subarray(b * width, (b + 1) * width)));
writeJsonAtomic(join(out, 'inputs.json'), {
  texts,
  max_length: MAX_LENGTH,
  input_ids: rows(batch.inputIds, MAX_LENGTH),
  attention_mask: rows(batch.attentionMask, MAX_LENGTH),
  token_type_ids: rows(batch.tokenTypeIds, MAX_LENGTH),
  logits: rows(logits.data, LABELS.length),
  labels: LABELS,
  source: codeVersion(),
});
console.log(
  JSON.stringify({ model_dir: modelDir, inputs: join(out, 'inputs.json'), texts: texts.length, initialized }),
);
