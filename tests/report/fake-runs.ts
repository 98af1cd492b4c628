import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../../src/tensor/random.js';
import type { ClassMetrics, Method, RunResults } from '../../src/train/results.js';

/** The study's 9 classes with test-split supports (20 % of the README's counts), most frequent first. */
export const CLASSES: [string, number][] = [
  ['Debt collection', 348],
  ['Credit reporting', 314],
  ['Mortgage', 204],
  ['Credit card or prepaid card', 147],
  ['Checking or savings account', 86],
  ['Student loan', 51],
  ['Consumer Loan', 41],
  ['Payday or personal loan', 14],
  ['Money transfer or virtual currency', 13],
];

interface Profile {
  name: string;
  trainable: number;
  total: number;
  lr: number;
  /** Recall of the largest class; smaller classes fall off from it. */
  recall: number;
  seconds: number;
}

export const PROFILES: Record<Method, Profile> = {
  scratch: {
    name: 'Small-BERT (from scratch)',
    trainable: 10_122_249,
    total: 10_122_249,
    lr: 1e-4,
    recall: 0.86,
    seconds: 162,
  },
  full: {
    name: 'bert-tiny (full fine-tune)',
    trainable: 4_387_081,
    total: 4_387_081,
    lr: 1e-4,
    recall: 0.84,
    seconds: 49,
  },
  lora: {
    name: 'bert-tiny + LoRA (r=8)',
    trainable: 9_353,
    total: 4_396_434,
    lr: 1e-3,
    recall: 0.74,
    seconds: 41,
  },
};

/**
 * A plausible results.json: a confusion matrix drawn around a per-method recall, and every metric
 * computed from it, so the numbers agree with each other as a real run's would.
 */
export function fakeResults(method: Method, seed: number, overrides: Partial<RunResults> = {}): RunResults {
  const p = PROFILES[method];
  const rng = new Rng(1000 * seed + method.length);
  const labels = CLASSES.map(([name]) => name);
  const k = labels.length;
  const confusion = CLASSES.map(([, support], i) => {
    const recall = Math.min(0.98, Math.max(0.02, p.recall * (1 - 0.06 * i) + 0.03 * (rng.uniform() - 0.5)));
    const row = new Array<number>(k).fill(0);
    row[i] = Math.round(support * recall);
    for (let left = support - row[i]!; left > 0; left--) {
      const j = rng.uniform() < 0.7 ? Math.min(rng.int(3), k - 1) : rng.int(k);
      row[j === i ? (i + 1) % k : j]! += 1;
    }
    return row;
  });
  const total = CLASSES.reduce((s, [, n]) => s + n, 0);
  const per_class: Record<string, ClassMetrics> = {};
  let correct = 0;
  labels.forEach((name, i) => {
    const tp = confusion[i]![i]!;
    correct += tp;
    const predicted = confusion.reduce((s, row) => s + row[i]!, 0);
    const support = CLASSES[i]![1];
    const precision = predicted ? tp / predicted : 0;
    const recall = tp / support;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    per_class[name] = { precision, recall, f1, support };
  });
  const classes = Object.values(per_class);
  const weighted = (key: keyof ClassMetrics): number =>
    classes.reduce((s, m) => s + m[key] * m.support, 0) / total;
  const macro = (key: keyof ClassMetrics): number => classes.reduce((s, m) => s + m[key], 0) / k;
  const seconds = p.seconds * (1 + 0.05 * (rng.uniform() - 0.5));
  return {
    method,
    name: p.name,
    seed,
    trainable_params: p.trainable,
    total_params: p.total,
    config: {
      method,
      epochs: 3,
      lr: p.lr,
      max_length: 128,
      batch_size: 16,
      seed,
      output_dir: `runs/${method}-${seed}`,
    },
    history: [1, 2, 3].map((epoch) => ({ epoch, train_loss: 2 / epoch, seconds: seconds / 3 })),
    best_epoch: 3,
    test: {
      accuracy: correct / total,
      f1_weighted: weighted('f1'),
      f1_macro: macro('f1'),
      precision_weighted: weighted('precision'),
      recall_weighted: weighted('recall'),
      precision_macro: macro('precision'),
      recall_macro: macro('recall'),
      per_class,
      confusion,
      labels,
      examples: total,
    },
    timing: {
      train_seconds: seconds,
      eval_seconds: seconds / 20,
      train_examples_per_second: (4868 * 3) / seconds,
      eval_examples_per_second: (total * 20) / seconds,
    },
    data_source: 'CFPB consumer complaints (complaints.csv, 6,086 narratives, 9 classes)',
    base_model: method === 'scratch' ? undefined : 'bert-tiny-mlm (prajjwal1/bert-tiny architecture)',
    threads: 2,
    created_at: new Date(Date.UTC(2025, 0, 1 + seed)).toISOString(),
    ...overrides,
  };
}

/** Writes runs/<method>/seed-<s>/results.json for each method and seed; returns the written results. */
export function writeFakeRuns(root: string, seeds: Record<Method, number[]>): RunResults[] {
  const written: RunResults[] = [];
  for (const [method, list] of Object.entries(seeds) as [Method, number[]][]) {
    for (const seed of list) {
      const results = fakeResults(method, seed);
      const dir = join(root, method, `seed-${seed}`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'results.json'), JSON.stringify(results, null, 2));
      written.push(results);
    }
  }
  return written;
}

/** A few runs in the shape of anchors/pytorch_reference.json (numbers from its summary table). */
export const FAKE_ANCHORS = {
  runs: [
    {
      name: 'scratch_T128_lr1e-4',
      kind: 'scratch',
      T: 128,
      lr: 1e-4,
      epochs: 3,
      batch: 16,
      trainable: 10122249,
      test: { acc: 0.76, f1_weighted: 0.739, f1_macro: 0.49 },
    },
    {
      name: 'full_T128_lr1e-4',
      kind: 'full',
      T: 128,
      lr: 1e-4,
      epochs: 3,
      batch: 16,
      trainable: 4387081,
      test: { acc: 0.73, f1_weighted: 0.715, f1_macro: 0.48 },
    },
    {
      name: 'full_T512_lr1e-4',
      kind: 'full',
      T: 512,
      lr: 1e-4,
      epochs: 3,
      batch: 16,
      trainable: 4387081,
      test: { acc: 0.73, f1_weighted: 0.702, f1_macro: 0.44 },
    },
    {
      name: 'lora_T128_lr1e-3',
      kind: 'lora',
      T: 128,
      lr: 1e-3,
      epochs: 3,
      batch: 16,
      r: 8,
      alpha: 32,
      trainable: 9353,
      test: { acc: 0.62, f1_weighted: 0.586, f1_macro: 0.34 },
    },
    {
      name: 'lora_T128_lr1e-3_r16',
      kind: 'lora',
      T: 128,
      lr: 1e-3,
      epochs: 3,
      batch: 16,
      r: 16,
      alpha: 32,
      trainable: 17545,
      test: { acc: 0.62, f1_weighted: 0.589, f1_macro: 0.35 },
    },
  ],
};
