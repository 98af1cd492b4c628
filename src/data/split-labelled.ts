import { UserError } from '../errors.js';
import { LabelMap } from './label-map.js';
import type { SplitRow } from './preprocess.js';
import type { PreprocessedData } from './split-files.js';
import type { RandomSource } from './random-source.js';
import type { LabelledFile } from './readers/labelled-rows.js';
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
  return file.rows.map((r) =>
    r.textPair === undefined
      ? { text: r.text, label: r.label as string }
      : { text: r.text, textPair: r.textPair, label: r.label as string },
  );
}

function requireTwoClasses(labelMap: LabelMap, file: LabelledFile, where: string): void {
  if (labelMap.size >= 2) return;
  throw new UserError(
    `The label column "${file.columns.label}" of ${file.path} has only one class${where} (${JSON.stringify(labelMap.names[0] ?? 'none')}); a classifier needs at least two.`,
  );
}

/** Keeps the rows whose label the map knows; counts the others by label in `summary`. */
function keepKnown(rows: SplitRow[], labelMap: LabelMap, summary: FileSummary): SplitRow[] {
  return rows.filter((row) => {
    if (labelMap.idOf(row.label) !== undefined) return true;
    summary.unseenLabels[row.label] = (summary.unseenLabels[row.label] ?? 0) + 1;
    return false;
  });
}

export interface SplitLabelledOptions {
  /** Fraction carved from the training file for validation when there is no validation file (0: none). */
  valSize: number;
  /** Fraction carved from the training file for testing when there is no test file. */
  testSize: number;
  seed: number;
  rng: RandomSource;
}

/**
 * Labelled files already read (from disk: prepare-labelled.ts; from bytes in a browser) as
 * train/val/test splits: what is missing is carved from the training file by a seeded stratified
 * split. The label map is built from the training split (sorted names).
 */
export function splitLabelledFiles(
  read: { train: LabelledFile; validation?: LabelledFile; test?: LabelledFile },
  options: SplitLabelledOptions,
): PreparedData {
  const { valSize, testSize, seed, rng } = options;
  const { train, validation, test } = read;
  const trainRows = toSplitRows(train);
  requireTwoClasses(LabelMap.fromClasses(trainRows.map((r) => r.label)), train, '');
  const carveVal = validation === undefined && valSize > 0;
  const carveTest = test === undefined;
  let splits: PreparedData['splits'];
  if (carveVal || carveTest) {
    const provisional = LabelMap.fromClasses(trainRows.map((r) => r.label));
    const labels = trainRows.map((r) => provisional.idOf(r.label) as number);
    // stratifiedSplit takes fractions of all rows; a split that comes from its own file takes none.
    const indices = stratifiedSplit(labels, {
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

  const labelMap = LabelMap.fromClasses(splits.train.map((r) => r.label));
  requireTwoClasses(labelMap, train, ' left in the training split once the others were carved out');
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
    for (const row of splits[split]) classes[labelMap.idOf(row.label)!]![split]++;
  }
  return {
    labelMap,
    splits,
    summary: {
      columns: train.columns,
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
      const label = labelMap.idOf(row.label) as number;
      return row.textPair === undefined
        ? { text: row.text, label }
        : { text: row.text, textPair: row.textPair, label };
    });
  return {
    labelMap,
    train: examples(splits.train),
    val: examples(splits.val),
    test: examples(splits.test),
    textCleaning: 'none',
  };
}
