import { normalizeColumnName, readComplaintsCsv } from '../data/complaints.js';
import { mergeProduct } from '../data/merge.js';
import { UserError } from '../errors.js';
import type { Metrics } from '../train/results.js';
import { computeMetrics } from '../train/metrics.js';
import { computeMultiLabelMetrics, DEFAULT_THRESHOLD } from '../train/multi-label-metrics.js';
import { cleanText } from '../text/clean.js';
import { predictTexts, type LoadedClassifier } from './classifier.js';
import { textHash } from '../data/text-hashes.js';
import type { TrainingRecord } from './training-record.js';
import { readLabelledFile, type LabelledReadOptions } from '../data/readers/labelled-file.js';
import type { TextCleaning } from '../data/split-files.js';
import { applyTextCleaning } from './text-preprocessing.js';
import type { InferenceSplit } from '../train/memory-messages.js';

export interface FileEvaluation {
  input: string;
  /** A CFPB export, a split preprocess wrote, or any labelled file (--test-file). */
  layout: 'export' | 'split' | 'labelled';
  /** The columns read, for a labelled file. */
  columns?: { text: string; label: string; text_pair?: string };
  rows: number;
  scored: number;
  /** Rows whose class the model does not know, by class name: counted, not scored. */
  unknown_classes: Record<string, number>;
  /** Rows without a text (left out by a raw export's reading, or by --skip-empty). */
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

export interface EvaluateOptions {
  maxLen: number;
  batchSize: number;
  onProgress?: (done: number, total: number) => void;
  /** What the model was trained on; null when unknown. */
  trainingRecord?: TrainingRecord | null;
  /** Score only the rows the model was not trained on. */
  unseenOnly?: boolean;
  /** Multi-label classifiers: a label is predicted when its probability reaches this (default 0.5). */
  threshold?: number;
  /** Once, when a batch did not fit in the kernels' memory and batches now run in smaller pieces. */
  onInferenceSplit?: (split: InferenceSplit) => void;
}

/** A row to score: its text (and pair) as the model is fed them, and its label as the file names it. */
interface CandidateRow {
  text: string;
  textPair?: string;
  label: string;
  /** A multi-label row's labels (then `label` is unused). */
  labels?: string[];
}

/**
 * Scores a classifier on a CSV: a raw CFPB export (products merged into the study's classes and
 * narratives cleaned, as preprocess does) or a processed split (`text,label`).
 */
export async function evaluateFile(
  classifier: LoadedClassifier,
  input: string,
  options: EvaluateOptions,
): Promise<FileEvaluation> {
  if (classifier.multiLabel) {
    throw new UserError(
      `--input reads a CFPB export or a single-label split, but the model is multi-label; give its data with --test-file (and --label-separator if its labels are not separated by ",").`,
    );
  }
  const table = await readComplaintsCsv(input);
  if (table.rows.length === 0) throw new UserError(`${input} has a header but no rows to score.`);
  const column = (name: string): string | undefined =>
    table.header.find((h) => normalizeColumnName(h) === name);
  const pairColumn = table.layout === 'split' ? column('text_pair') : undefined;
  if (pairColumn !== undefined) {
    // A split of sentence pairs: the same counting of unknown classes, with both texts fed to the model.
    const file = await readLabelledFile(input, {
      textColumn: column('text'),
      labelColumn: column('label'),
      textPairColumn: pairColumn,
      skipEmpty: true,
    });
    const pairs = file.rows.map((r) => ({ text: r.text, textPair: r.textPair!, label: r.label! }));
    const scored = scoreRows(classifier, input, pairs, table.rows.length, options);
    return { input, layout: 'split', ...scored, without_text: file.skipped.emptyText };
  }
  const rows: CandidateRow[] = [];
  let withoutText = 0;
  for (const row of table.rows) {
    const label = table.layout === 'export' ? mergeProduct(row.product) : row.product;
    const text = table.layout === 'export' ? cleanText(row.narrative) : row.narrative;
    if (text.trim() === '') {
      withoutText++;
      continue;
    }
    rows.push({ text, label });
  }
  const scored = scoreRows(classifier, input, rows, table.rows.length, options);
  return { input, layout: table.layout, ...scored, without_text: withoutText };
}

export interface LabelledEvaluateOptions extends EvaluateOptions, LabelledReadOptions {
  /** The cleaning the model was trained with (its preprocessing.json), applied to every text. */
  cleaning: TextCleaning;
  /** Score the rows of known labels even when some labels are unknown to the model; else refuse. */
  skipUnknownLabels?: boolean;
}

/**
 * Scores a classifier on any labelled file (CSV, TSV, JSON Lines, Parquet; gzip or not) with the model's
 * own label map. Labels the model cannot know are counted; unless `skipUnknownLabels`, they refuse the
 * whole file, since scores that silently leave classes out overstate the model.
 */
export async function evaluateLabelledFile(
  classifier: LoadedClassifier,
  path: string,
  options: LabelledEvaluateOptions,
): Promise<FileEvaluation> {
  if (options.multiLabel && !classifier.multiLabel) {
    throw new UserError(
      '--multi-label was given, but the model is a single-label classifier (its config.json or label_map.json says so); leave the flag out.',
    );
  }
  // The model says how its labels are read: a multi-label model's file holds label lists.
  const file = await readLabelledFile(path, { ...options, multiLabel: classifier.multiLabel });
  const texts = applyTextCleaning(
    file.rows.map((r) => r.text),
    options.cleaning,
  );
  const pairs =
    file.columns.textPair === undefined
      ? undefined
      : applyTextCleaning(
          file.rows.map((r) => r.textPair!),
          options.cleaning,
        );
  const rows = file.rows.map((r, i) => {
    const row: CandidateRow =
      r.labels !== undefined
        ? { text: texts[i]!, label: '', labels: r.labels }
        : { text: texts[i]!, label: r.label! };
    if (pairs !== undefined) row.textPair = pairs[i]!;
    return row;
  });
  const total = file.rows.length + file.skipped.emptyText + file.skipped.missingLabel;
  const known = new Set(classifier.labels);
  const unknownOf = (r: CandidateRow): string[] => (r.labels ?? [r.label]).filter((name) => !known.has(name));
  const unknown = countBy(rows.flatMap(unknownOf));
  const unknownRows = rows.filter((r) => unknownOf(r).length > 0).length;
  if (unknownRows > 0 && !options.skipUnknownLabels && unknownRows < rows.length) {
    const which = Object.entries(unknown)
      .map(([label, k]) => `${JSON.stringify(label)} ${k}`)
      .join(', ');
    throw new UserError(
      `${path} has ${unknownRows === 1 ? '1 row' : `${unknownRows} rows`} in column "${file.columns.label}" with labels the model does not know (${which}; it knows ${quoteList(classifier.labels)}); pass --skip-unknown-labels to score the other rows.`,
    );
  }
  const scored = scoreRows(classifier, path, rows, total, options);
  const { text, label, textPair } = file.columns;
  return {
    input: path,
    layout: 'labelled',
    columns: textPair === undefined ? { text, label } : { text, label, text_pair: textPair },
    ...scored,
    without_text: file.skipped.emptyText,
  };
}

function countBy(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
  return counts;
}

function quoteList(names: readonly string[]): string {
  const shown = names.slice(0, 8).map((n) => JSON.stringify(n));
  return names.length > 8 ? `${shown.join(', ')} and ${names.length - 8} more` : shown.join(', ');
}

/** Predicts every row of known label (labels, for a multi-label model) and scores the predictions. */
function scoreRows(
  classifier: LoadedClassifier,
  input: string,
  rows: readonly CandidateRow[],
  total: number,
  options: EvaluateOptions,
): Omit<FileEvaluation, 'input' | 'layout' | 'columns' | 'without_text'> {
  const known = new Map(classifier.labels.map((name, id) => [name, id]));
  const k = classifier.labels.length;
  const texts: string[] = [];
  const pairs: string[] = [];
  const truth: number[] = [];
  // Multi-label: each scored row's 0/1 per label, one row after the other.
  const truthSets: number[] = [];
  const unknown: Record<string, number> = {};
  const record = options.trainingRecord ?? null;
  if (options.unseenOnly && record === null) {
    throw new UserError(
      '--unseen-only needs the record of the training texts (train_hashes.json, written by train beside the model or adapter), and none was found.',
    );
  }
  let seen = 0;
  for (const row of rows) {
    const names = row.labels ?? [row.label];
    const missing = names.filter((name) => !known.has(name));
    if (missing.length > 0) {
      for (const name of missing) unknown[name] = (unknown[name] ?? 0) + 1;
      continue;
    }
    if (record?.hashes.has(textHash(row.text))) {
      seen++;
      if (options.unseenOnly) continue;
    }
    texts.push(row.text);
    if (row.textPair !== undefined) pairs.push(row.textPair);
    if (row.labels !== undefined) {
      const bits = new Array<number>(k).fill(0);
      for (const name of row.labels) bits[known.get(name)!] = 1;
      truthSets.push(...bits);
    } else {
      truth.push(known.get(row.label)!);
    }
  }
  if (texts.length === 0 && options.unseenOnly && seen > 0) {
    throw new UserError(
      `${seen === 1 ? 'The one scorable row' : `All ${seen} scorable rows`} of ${input} ${seen === 1 ? 'was' : 'were'} in the model's training data; --unseen-only leaves nothing to score.`,
    );
  }
  if (texts.length === 0) {
    const classes = Object.keys(unknown);
    throw new UserError(
      `None of the ${total} rows of ${input} can be scored: ` +
        (classes.length > 0
          ? `their classes (${classes.slice(0, 5).join(', ')}${classes.length > 5 ? ', …' : ''}) are not among the model's ${classifier.labels.length} labels.`
          : 'none has a text.'),
    );
  }
  const started = performance.now();
  const predicted: number[] = [];
  const predictedSets: number[] = [];
  let done = 0;
  const predictOptions = { ...options, pairs: pairs.length > 0 ? pairs : undefined };
  for (const p of predictTexts(
    classifier.model,
    classifier.tokenizer,
    classifier.labels,
    texts,
    predictOptions,
  )) {
    if (p.labels !== undefined) {
      const chosen = new Set(p.labels);
      for (const name of classifier.labels) predictedSets.push(chosen.has(name) ? 1 : 0);
    } else {
      predicted.push(classifier.labels.indexOf(p.label));
    }
    done++;
    if (done % options.batchSize === 0 || done === texts.length) {
      options.onProgress?.(done, texts.length);
    }
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    rows: total,
    scored: texts.length,
    unknown_classes: unknown,
    seen_in_training: record === null ? null : seen,
    unseen_only: options.unseenOnly === true,
    training_record: record?.files ?? [],
    metrics: classifier.multiLabel
      ? computeMultiLabelMetrics(
          truthSets,
          predictedSets,
          classifier.labels,
          options.threshold ?? DEFAULT_THRESHOLD,
        )
      : computeMetrics(truth, predicted, classifier.labels),
    seconds,
    examples_per_second: texts.length / seconds,
  };
}
