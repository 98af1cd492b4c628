// A tiny Hugging Face BERT directory and a tiny preprocessed data folder, built in a temporary
// directory in well under a second: enough for the CLI to train, resume, predict and fail on.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatCsv } from '../../src/data/csv.js';
import { LabelMap } from '../../src/data/label-map.js';
import { LABEL_MAP_FILE, SPLIT_FILES } from '../../src/data/split-files.js';
import { writeJsonAtomic } from '../../src/io/atomic-write.js';
import { saveHfDirectory } from '../../src/io/hf-directory.js';
import { readSafetensors, writeSafetensors } from '../../src/io/safetensors.js';
import { BertConfig } from '../../src/models/bert/config.js';
import { BertForSequenceClassification } from '../../src/models/bert/sequence-classification.js';
import { Rng } from '../../src/tensor/random.js';
import { TextTokenizer } from '../../src/text/tokenizer.js';

/** Three classes, each with its own words; the shared words make the task not entirely trivial. */
export const TINY_CLASSES: Record<string, readonly string[]> = {
  'Credit card': ['card', 'charge', 'fee', 'limit', 'statement', 'interest'],
  'Debt collection': ['debt', 'collector', 'call', 'letter', 'owe', 'agency'],
  Mortgage: ['mortgage', 'house', 'escrow', 'payment', 'loan', 'rate'],
};
const SHARED_WORDS = ['i', 'my', 'the', 'was', 'and', 'to', 'a', 'on', 'for', 'not', 'they', 'bank'];

export const TINY_LABELS = Object.keys(TINY_CLASSES).sort();

/** [PAD] … [MASK], the data's words, a few more, and some sub-words and letters so that unknown words split. */
export const TINY_VOCAB: readonly string[] = [
  '[PAD]',
  '[UNK]',
  '[CLS]',
  '[SEP]',
  '[MASK]',
  ...SHARED_WORDS,
  ...Object.values(TINY_CLASSES).flat(),
  ...['account', 'credit', 'report', 'dispute', 'late', 'phone', 'company', 'money', 'told', 'paid'],
  ...['##s', '##ed', '##ing', 'e', 'o', 't', '##e', '##o', '##t', '.', ','],
];

export interface TinyModelOptions {
  /** Keep a classifier head (LABEL_0…) in the weights; default false, as a pre-trained MLM base. */
  head?: boolean;
  seed?: number;
  /** Position embeddings (default 64; the experiment presets need 128). */
  maxPositions?: number;
}

export function tinyBertConfig(
  labels: readonly string[] = ['LABEL_0', 'LABEL_1', 'LABEL_2'],
  maxPositions = 64,
): BertConfig {
  return new BertConfig({
    vocabSize: TINY_VOCAB.length,
    hiddenSize: 16,
    numHiddenLayers: 1,
    numAttentionHeads: 2,
    intermediateSize: 32,
    maxPositionEmbeddings: maxPositions,
    typeVocabSize: 2,
    layerNormEps: 1e-12,
    hiddenDropoutProb: 0.1,
    attentionProbsDropoutProb: 0.1,
    hiddenAct: 'gelu',
    initializerRange: 0.02,
    classifierDropout: null,
    padTokenId: 0,
    labels: [...labels],
  });
}

export function tinyTokenizer(): TextTokenizer {
  return TextTokenizer.fromVocab(TINY_VOCAB);
}

/** Writes config.json, model.safetensors and the tokenizer files of a tiny random BERT into `dir`. */
export async function writeTinyModel(dir: string, options: TinyModelOptions = {}): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const config = tinyBertConfig(undefined, options.maxPositions);
  const model = new BertForSequenceClassification(config, new Rng(options.seed ?? 1));
  await saveHfDirectory(model, dir, { tokenizer: tinyTokenizer(), labels: config.labels });
  if (!options.head) {
    const path = join(dir, 'model.safetensors');
    const tensors = readSafetensors(path).tensors;
    for (const name of [...tensors.keys()]) if (name.startsWith('classifier.')) tensors.delete(name);
    writeSafetensors(path, tensors, { format: 'pt' });
  }
  return dir;
}

export interface TinyRow {
  text: string;
  label: string;
}

/** `count` rows cycling through the classes, each minWords to minWords + 5 words, half of them the class's own. */
export function tinyRows(count: number, seed = 3, minWords = 4): TinyRow[] {
  const rng = new Rng(seed);
  const rows: TinyRow[] = [];
  for (let i = 0; i < count; i++) {
    const label = TINY_LABELS[i % TINY_LABELS.length];
    const own = TINY_CLASSES[label];
    const words: string[] = [];
    const length = minWords + rng.int(6);
    for (let w = 0; w < length; w++) {
      words.push(w % 2 === 0 ? own[rng.int(own.length)] : SHARED_WORDS[rng.int(SHARED_WORDS.length)]);
    }
    rows.push({ text: words.join(' '), label });
  }
  return rows;
}

export interface TinyDataOptions {
  train?: number;
  val?: number;
  test?: number;
  seed?: number;
}

/** train.csv, val.csv, test.csv (`text,label`) and label_map.json, as `lora-lab preprocess` writes them. */
export function writeTinyData(dir: string, options: TinyDataOptions = {}): string {
  const { train = 40, val = 9, test = 12, seed = 3 } = options;
  mkdirSync(dir, { recursive: true });
  const rows = tinyRows(train + val + test, seed);
  const write = (name: string, part: TinyRow[]): void => {
    writeFileSync(
      join(dir, name),
      formatCsv(
        ['text', 'label'],
        part.map((r) => [r.text, r.label]),
      ),
    );
  };
  write(SPLIT_FILES.train, rows.slice(0, train));
  if (val > 0) write(SPLIT_FILES.val, rows.slice(train, train + val));
  write(SPLIT_FILES.test, rows.slice(train + val));
  writeJsonAtomic(join(dir, LABEL_MAP_FILE), LabelMap.fromClasses(TINY_LABELS).toJSON());
  return dir;
}

/**
 * A raw complaints export (the CFPB's column names) of `count` rows with narratives of minWords to
 * minWords + 5 words: what `preprocess` reads.
 */
export function tinyComplaintsCsv(count = 60, seed = 5, minWords = 4): string {
  const rows = tinyRows(count, seed, minWords).map((r, i) => [
    `2024-01-${String((i % 28) + 1).padStart(2, '0')}`,
    r.label,
    '',
    'Problem',
    r.text,
    String(1000 + i),
  ]);
  return formatCsv(
    ['Date received', 'Product', 'Sub-product', 'Issue', 'Consumer complaint narrative', 'Complaint ID'],
    rows,
  );
}

export interface TinyWorkspace {
  root: string;
  model: string;
  data: string;
  /** A fresh path under root (not created). */
  path(...parts: string[]): string;
  cleanup(): void;
}

/** A temporary folder with `model/` (tiny BERT, no head) and `data/` (tiny splits). */
export async function tinyWorkspace(prefix = 'lora-lab-tiny-'): Promise<TinyWorkspace> {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const model = await writeTinyModel(join(root, 'model'));
  const data = writeTinyData(join(root, 'data'));
  return {
    root,
    model,
    data,
    path: (...parts) => join(root, ...parts),
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** What a study over tiny data needs: `root/complaints.csv` (165 rows) and a tiny BERT under `root/model`. */
export async function tinyStudyInputs(
  root: string,
): Promise<{ input: string; baseModel: { path: string; kind: 'flag'; description: string } }> {
  const model = await writeTinyModel(join(root, 'model'), { maxPositions: 128 });
  const input = join(root, 'complaints.csv');
  writeFileSync(input, tinyComplaintsCsv(165, 5, 10));
  return { input, baseModel: { path: model, kind: 'flag', description: model } };
}

/** A two-step run on the reference kernels, one thread, nothing printed: enough to see a command through. */
export const SMOKE_FLAGS = ['--max-steps', '2', '--backend', 'reference', '--threads', '1', '--quiet'];

/**
 * `experiments` over tinyStudyInputs: both fine-tuning methods (Small-BERT from scratch would take
 * longest), written to `out`; `more` adds or overrides flags.
 */
export function tinyStudyArgs(
  inputs: { input: string; baseModel: { path: string } },
  out: string,
  ...more: string[]
): string[] {
  return [
    'experiments',
    '--input',
    inputs.input,
    '--base-model',
    inputs.baseModel.path,
    '--output-dir',
    out,
    '--methods',
    'full,lora',
    ...more,
  ];
}
