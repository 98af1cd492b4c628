import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { FileSummary, LabelledDataSummary } from './prepare-labelled.js';
import type { PreprocessSummary } from './preprocess.js';
import { SPLIT_FILES, SUMMARY_FILE } from './split-files.js';

/** Why rows of a file were left out: a key of results.json, and the words that follow the count. */
export const DROP_REASONS = {
  empty_text: 'with an empty text (--skip-empty)',
  missing_label: 'without a label (--skip-empty)',
  unseen_label: 'with a label the training split does not have',
  missing_product_or_narrative: 'without a product or a narrative',
  not_sampled: 'not drawn by --sample-frac',
  in_dropped_classes: 'in classes under --class-threshold',
  too_short: 'with fewer words than --min-text-length',
} as const;

export type DropReason = keyof typeof DROP_REASONS;

/** One file the data came from, as results.json names it. */
export interface DataFileRecord {
  role: 'train' | 'validation' | 'test' | 'input';
  path: string;
  format: string;
  /** Data rows in the file, the dropped ones included. */
  rows: number;
  /** Rows left out, by reason (only reasons with rows). */
  dropped: Partial<Record<DropReason, number>>;
  /** The labels behind `dropped.unseen_label`, with their counts. */
  unseen_labels?: Record<string, number>;
}

/**
 * What a run was trained and tested on (results.json's `data`): the files, their rows and what was left
 * out of them and why, the columns, and how many rows each split got.
 */
export interface DataRecord {
  files: DataFileRecord[];
  columns: { text: string; label: string; text_pair?: string };
  /** Present when each row has a set of labels: how the label column's lists were read. */
  multi_label?: { separator: string; allow_empty_labels: boolean };
  /** A recipe that changed the rows on the way (the CFPB study's), when one did. */
  recipe?: 'cfpb';
  splits: { train: number; val: number; test: number };
  /** Where the validation and test splits came from: a file of their own, or carved from the training rows. */
  val_from: 'file' | 'carved' | 'none';
  test_from: 'file' | 'carved';
  /** The fractions carved and the seed of the stratified split, when anything was carved. */
  carved?: { val_size: number; test_size: number; seed: number };
  /** The folder of splits the run read, when it read one. */
  data_dir?: string;
}

function dropped(entries: [DropReason, number][]): DataFileRecord['dropped'] {
  return Object.fromEntries(entries.filter(([, n]) => n > 0));
}

function labelledFile(role: DataFileRecord['role'], file: FileSummary): DataFileRecord {
  const unseen = Object.values(file.unseenLabels).reduce((sum, n) => sum + n, 0);
  return {
    role,
    path: resolve(file.path),
    format: file.format,
    rows: file.rows + file.emptyText + file.missingLabel,
    dropped: dropped([
      ['empty_text', file.emptyText],
      ['missing_label', file.missingLabel],
      ['unseen_label', unseen],
    ]),
    ...(unseen > 0 ? { unseen_labels: { ...file.unseenLabels } } : {}),
  };
}

/** The record of labelled files read by `prepareLabelledData`. */
export function labelledDataRecord(summary: LabelledDataSummary): DataRecord {
  const { files, columns, sources, options } = summary;
  const record: DataRecord = {
    files: [labelledFile('train', files.train)],
    columns: {
      text: columns.text,
      label: columns.label,
      ...(columns.textPair !== undefined ? { text_pair: columns.textPair } : {}),
    },
    splits: { ...summary.splits },
    val_from: sources.val,
    test_from: sources.test,
  };
  if (summary.multiLabel) {
    record.multi_label = {
      separator: summary.multiLabel.separator,
      allow_empty_labels: summary.multiLabel.allowEmptyLabels,
    };
  }
  if (files.validation) record.files.push(labelledFile('validation', files.validation));
  if (files.test) record.files.push(labelledFile('test', files.test));
  if (sources.val === 'carved' || sources.test === 'carved') {
    record.carved = { val_size: options.valSize, test_size: options.testSize, seed: options.seed };
  }
  return record;
}

/** The record of a CFPB export read through the study's recipe (`preprocessComplaints`). */
export function recipeDataRecord(summary: PreprocessSummary): DataRecord {
  const { rows, options } = summary;
  return {
    files: [
      {
        role: 'input',
        path: resolve(summary.input),
        format: 'csv',
        rows: rows.read,
        dropped: dropped([
          ['missing_product_or_narrative', rows.missingProductOrNarrative],
          ['not_sampled', rows.notSampled],
          ['in_dropped_classes', rows.inDroppedClasses],
          ['too_short', rows.tooShort],
        ]),
      },
    ],
    columns: { text: 'narrative', label: 'product' },
    recipe: 'cfpb',
    splits: { ...summary.splits },
    val_from: options.valSize > 0 ? 'carved' : 'none',
    test_from: 'carved',
    carved: { val_size: options.valSize, test_size: options.testSize, seed: options.seed },
  };
}

/**
 * The record of a folder of splits: what its summary.json says of the files it was made from (by
 * `preprocess`, either way), else the split files themselves.
 */
export function dataDirRecord(dir: string, splits: DataRecord['splits']): DataRecord {
  const summary = readSummary(join(dir, SUMMARY_FILE));
  let record: DataRecord;
  if (summary !== null && 'steps' in summary && 'input' in summary) {
    record = recipeDataRecord(summary as unknown as PreprocessSummary);
  } else if (summary !== null && 'files' in summary && 'columns' in summary) {
    record = labelledDataRecord(summary as unknown as LabelledDataSummary);
  } else {
    const split = (role: 'train' | 'validation' | 'test', name: string, rows: number): DataFileRecord => ({
      role,
      path: resolve(dir, name),
      format: 'csv',
      rows,
      dropped: {},
    });
    record = {
      files: [split('train', SPLIT_FILES.train, splits.train), split('test', SPLIT_FILES.test, splits.test)],
      columns: { text: 'text', label: 'label' },
      splits,
      val_from: splits.val > 0 ? 'file' : 'none',
      test_from: 'file',
    };
    if (splits.val > 0) record.files.splice(1, 0, split('validation', SPLIT_FILES.val, splits.val));
  }
  // The folder's own splits are what the run read, whatever the summary says.
  return { ...record, splits, data_dir: resolve(dir) };
}

function readSummary(path: string): Record<string, unknown> | null {
  if (!existsSync(path)) return null;
  try {
    const value: unknown = JSON.parse(readFileSync(path, 'utf8'));
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
