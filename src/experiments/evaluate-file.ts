import { readComplaintsCsv } from '../data/complaints.js';
import { mergeProduct } from '../data/merge.js';
import { UserError } from '../errors.js';
import type { Metrics } from '../train/results.js';
import { computeMetrics } from '../train/metrics.js';
import { cleanText } from '../text/clean.js';
import { predictTexts, type LoadedClassifier } from './classifier.js';
import { textHash } from '../data/text-hashes.js';
import type { TrainingRecord } from './training-record.js';

export interface FileEvaluation {
  input: string;
  layout: 'export' | 'split';
  rows: number;
  scored: number;
  /** Rows whose class the model does not know, by class name: counted, not scored. */
  unknown_classes: Record<string, number>;
  /** Rows without a narrative (raw exports only). */
  without_text: number;
  /**
   * Rows of known class whose text the model was trained on (by train_hashes.json); null when no record
   * of its training texts was found. With unseen_only, these rows are not scored.
   */
  seen_in_training: number | null;
  unseen_only: boolean;
  /** The train_hashes.json files read. */
  training_record: string[];
  metrics: Metrics;
  seconds: number;
  examples_per_second: number;
}

/**
 * Scores a classifier on a CSV: a raw CFPB export (products merged into the study's classes and
 * narratives cleaned, as preprocess does) or a processed split (`text,label`).
 */
export async function evaluateFile(
  classifier: LoadedClassifier,
  input: string,
  options: {
    maxLen: number;
    batchSize: number;
    onProgress?: (done: number, total: number) => void;
    /** What the model was trained on; null when unknown. */
    trainingRecord?: TrainingRecord | null;
    /** Score only the rows the model was not trained on. */
    unseenOnly?: boolean;
  },
): Promise<FileEvaluation> {
  const table = await readComplaintsCsv(input);
  if (table.rows.length === 0) throw new UserError(`${input} has a header but no rows to score.`);
  const known = new Map(classifier.labels.map((name, id) => [name, id]));
  const texts: string[] = [];
  const truth: number[] = [];
  const unknown: Record<string, number> = {};
  let withoutText = 0;
  const record = options.trainingRecord ?? null;
  if (options.unseenOnly && record === null) {
    throw new UserError(
      '--unseen-only needs the record of the training texts (train_hashes.json, written by train beside the model or adapter), and none was found.',
    );
  }
  let seen = 0;
  for (const row of table.rows) {
    const label = table.layout === 'export' ? mergeProduct(row.product) : row.product;
    const text = table.layout === 'export' ? cleanText(row.narrative) : row.narrative;
    if (text.trim() === '') {
      withoutText++;
      continue;
    }
    const id = known.get(label);
    if (id === undefined) {
      unknown[label] = (unknown[label] ?? 0) + 1;
      continue;
    }
    if (record?.hashes.has(textHash(text))) {
      seen++;
      if (options.unseenOnly) continue;
    }
    texts.push(text);
    truth.push(id);
  }
  if (texts.length === 0 && options.unseenOnly && seen > 0) {
    throw new UserError(
      `${seen === 1 ? 'The one scorable row' : `All ${seen} scorable rows`} of ${input} ${seen === 1 ? 'was' : 'were'} in the model's training data; --unseen-only leaves nothing to score.`,
    );
  }
  if (texts.length === 0) {
    const classes = Object.keys(unknown);
    throw new UserError(
      `None of the ${table.rows.length} rows of ${input} can be scored: ` +
        (classes.length > 0
          ? `their classes (${classes.slice(0, 5).join(', ')}${classes.length > 5 ? ', …' : ''}) are not among the model's ${classifier.labels.length} labels.`
          : 'none has a narrative.'),
    );
  }
  const started = performance.now();
  const predicted: number[] = [];
  for (const p of predictTexts(classifier.model, classifier.tokenizer, classifier.labels, texts, options)) {
    predicted.push(classifier.labels.indexOf(p.label));
    if (predicted.length % options.batchSize === 0 || predicted.length === texts.length) {
      options.onProgress?.(predicted.length, texts.length);
    }
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    input,
    layout: table.layout,
    rows: table.rows.length,
    scored: texts.length,
    unknown_classes: unknown,
    without_text: withoutText,
    seen_in_training: record === null ? null : seen,
    unseen_only: options.unseenOnly === true,
    training_record: record?.files ?? [],
    metrics: computeMetrics(truth, predicted, classifier.labels),
    seconds,
    examples_per_second: texts.length / seconds,
  };
}
