import { UserError } from '../errors.js';
import { NO_CLASS_ID, type Example } from './dataset.js';
import { LabelMap } from './label-map.js';
import type { SplitRow } from './preprocess.js';
import type { PreprocessedData } from './split-files.js';
import type { RandomSource } from './random-source.js';
import type { LabelledFile, LabelledReadOptions } from './readers/labelled-rows.js';
import { stratifiedSplit } from './split.js';

export interface FileSummary {
  path: string;
  format: string;
  rows: number;
  emptyText: number;
  missingLabel: number;
  /** Rows whose label the training split never saw, by label: left out, since no output can predict them. */
  unseenLabels: Record<string, number>;
}

export interface LabelledDataSummary {
  columns: { text: string; label: string; textPair?: string };
  /** Present for multi-label data: how label lists were read. */
  multiLabel?: { separator: string; allowEmptyLabels: boolean };
  options: { valSize: number; testSize: number; seed: number };
  files: { train: FileSummary; validation?: FileSummary; test?: FileSummary };
  /** Where each split came from: its own file, or carved from the training file. */
  sources: { val: 'file' | 'carved' | 'none'; test: 'file' | 'carved' };
  classes: { name: string; id: number; train: number; val: number; test: number }[];
  splits: { train: number; val: number; test: number };
}

export interface PreparedData {
  labelMap: LabelMap;
  splits: { train: SplitRow[]; val: SplitRow[]; test: SplitRow[] };
  summary: LabelledDataSummary;
}

function fileSummary(file: LabelledFile): FileSummary {
  return {
    path: file.path,
    format: file.format,
    rows: file.rows.length,
    emptyText: file.skipped.emptyText,
    missingLabel: file.skipped.missingLabel,
    unseenLabels: {},
  };
}

function toSplitRows(file: LabelledFile): SplitRow[] {
  return file.rows.map((r) => {
    // A multi-label row's `label` is its set as a JSON array: what a split file writes and reads back.
    const row: SplitRow =
      r.labels !== undefined
        ? { text: r.text, label: JSON.stringify(r.labels), labels: r.labels }
        : { text: r.text, label: r.label as string };
    if (r.textPair !== undefined) row.textPair = r.textPair;
    return row;
  });
}

/** The class names of rows: their labels (each label of a multi-label row). */
function namesOf(rows: readonly SplitRow[]): string[] {
  return rows.flatMap((r) => r.labels ?? [r.label]);
}

function requireTwoClasses(rows: readonly SplitRow[], file: LabelledFile, where: string): void {
  const multi = rows.some((r) => r.labels !== undefined);
  // A single-label classifier needs two classes; a multi-label one, two different label sets (one
  // label that some rows have and others lack is a binary task; every row alike teaches nothing).
  const kinds = new Set(rows.map((r) => r.label));
  if (kinds.size >= 2) return;
  const only = [...kinds][0] ?? (multi ? '[]' : 'none');
  throw new UserError(
    multi
      ? `The label column "${file.columns.label}" of ${file.path} gives every row the same labels${where} (${only}); a classifier needs rows that differ.`
      : `The label column "${file.columns.label}" of ${file.path} has only one class${where} (${JSON.stringify(only)}); a classifier needs at least two.`,
  );
}

/** Keeps the rows whose labels the map all knows; counts the others by unknown label in `summary`. */
function keepKnown(rows: SplitRow[], labelMap: LabelMap, summary: FileSummary): SplitRow[] {
  return rows.filter((row) => {
    const unknown = (row.labels ?? [row.label]).filter((name) => labelMap.idOf(name) === undefined);
    for (const name of unknown) summary.unseenLabels[name] = (summary.unseenLabels[name] ?? 0) + 1;
    return unknown.length === 0;
  });
}

/**
 * The stratum of each row for the stratified split: its class, or for a multi-label row its rarest
 * label in `rows` (ties: the first by name; no labels: a stratum of its own), so that each label's
 * rarest rows are shared out among the splits rather than left to chance.
 */
function strata(rows: readonly SplitRow[]): number[] {
  const map = LabelMap.fromClasses(namesOf(rows));
  if (!rows.some((r) => r.labels !== undefined)) return rows.map((r) => map.idOf(r.label) as number);
  const counts = new Array<number>(map.size).fill(0);
  for (const name of namesOf(rows)) counts[map.idOf(name) as number]++;
  return rows.map((r) => {
    let rarest = map.size;
    for (const name of r.labels ?? []) {
      const id = map.idOf(name) as number;
      if (
        rarest === map.size ||
        counts[id] < counts[rarest] ||
        (counts[id] === counts[rarest] && id < rarest)
      )
        rarest = id;
    }
    return rarest;
  });
}

export interface SplitLabelledOptions {
  /** Fraction carved from the training file for validation when there is no validation file (0: none). */
  valSize: number;
  /** Fraction carved from the training file for testing when there is no test file. */
  testSize: number;
  seed: number;
  rng: RandomSource;
  /** The read options of multi-label data, recorded in the summary. */
  multiLabel?: LabelledReadOptions['multiLabel'];
  labelSeparator?: LabelledReadOptions['labelSeparator'];
  allowEmptyLabels?: LabelledReadOptions['allowEmptyLabels'];
}

/**
 * Labelled files already read (from disk: prepare-labelled.ts; from bytes in a browser) as
 * train/val/test splits: what is missing is carved from the training file by a seeded stratified
 * split (multi-label rows stratified by their rarest label). The label map is built from the
 * training split (sorted names).
 */
export function splitLabelledFiles(
  read: { train: LabelledFile; validation?: LabelledFile; test?: LabelledFile },
  options: SplitLabelledOptions,
): PreparedData {
  const { valSize, testSize, seed, rng } = options;
  const { train, validation, test } = read;
  const multiLabel = options.multiLabel === true;
  const trainRows = toSplitRows(train);
  requireTwoClasses(trainRows, train, '');
  const carveVal = validation === undefined && valSize > 0;
  const carveTest = test === undefined;
  let splits: PreparedData['splits'];
  if (carveVal || carveTest) {
    // stratifiedSplit takes fractions of all rows; a split that comes from its own file takes none.
    const indices = stratifiedSplit(strata(trainRows), {
      testSize: carveTest ? testSize : Number.EPSILON,
      valSize: carveVal ? valSize : 0,
      rng,
    });
    const pick = (which: number[]): SplitRow[] => which.map((i) => trainRows[i]!);
    const carvedTest = pick(indices.test);
    splits = {
      train: carveTest ? pick(indices.train) : [...pick(indices.train), ...carvedTest],
      val: carveVal ? pick(indices.val) : validation ? toSplitRows(validation) : [],
      test: carveTest ? carvedTest : toSplitRows(test!),
    };
  } else {
    splits = { train: trainRows, val: validation ? toSplitRows(validation) : [], test: toSplitRows(test!) };
  }

  const labelMap = LabelMap.fromClasses(namesOf(splits.train), { multiLabel });
  requireTwoClasses(splits.train, train, ' left in the training split once the others were carved out');
  const files: LabelledDataSummary['files'] = { train: fileSummary(train) };
  if (validation) {
    files.validation = fileSummary(validation);
    splits.val = keepKnown(splits.val, labelMap, files.validation);
  }
  if (test) {
    files.test = fileSummary(test);
    splits.test = keepKnown(splits.test, labelMap, files.test);
  }
  // Carved rows come from the training file, whose every label is in the map unless a class had
  // all its rows carved away; those are counted on the training file.
  if (carveVal) splits.val = keepKnown(splits.val, labelMap, files.train);
  if (carveTest) splits.test = keepKnown(splits.test, labelMap, files.train);

  const classes = labelMap.names.map((name, id) => ({ name, id, train: 0, val: 0, test: 0 }));
  for (const split of ['train', 'val', 'test'] as const) {
    for (const row of splits[split]) {
      for (const name of row.labels ?? [row.label]) classes[labelMap.idOf(name)!]![split]++;
    }
  }
  return {
    labelMap,
    splits,
    summary: {
      columns: train.columns,
      ...(multiLabel
        ? {
            multiLabel: {
              separator: options.labelSeparator ?? ',',
              allowEmptyLabels: options.allowEmptyLabels === true,
            },
          }
        : {}),
      options: { valSize: carveVal ? valSize : 0, testSize: carveTest ? testSize : 0, seed },
      files,
      sources: {
        val: validation ? 'file' : carveVal ? 'carved' : 'none',
        test: test ? 'file' : 'carved',
      },
      classes: classes.sort((a, b) => b.train - a.train || a.id - b.id),
      splits: { train: splits.train.length, val: splits.val.length, test: splits.test.length },
    },
  };
}

/**
 * Prepared splits as the examples training reads (label ids from the training split's map); the texts
 * are used as given, so a model trained on them records no cleaning.
 */
export function preparedExamples(prepared: PreparedData): PreprocessedData {
  const { labelMap, splits } = prepared;
  const examples = (rows: SplitRow[]) =>
    rows.map((row) => {
      const example: Example =
        row.labels !== undefined
          ? { text: row.text, label: NO_CLASS_ID, targets: labelMap.targetsOf(row.labels) }
          : { text: row.text, label: labelMap.idOf(row.label) as number };
      if (row.textPair !== undefined) example.textPair = row.textPair;
      return example;
    });
  return {
    labelMap,
    train: examples(splits.train),
    val: examples(splits.val),
    test: examples(splits.test),
    textCleaning: 'none',
  };
}
