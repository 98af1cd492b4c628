import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { mapColumns, normalizeColumnName } from './complaints.js';
import { readTableRows } from './readers/table.js';
import { csvLines } from './csv.js';
import { NO_CLASS_ID, type Example } from './dataset.js';
import { LabelMap } from './label-map.js';
import type { PreprocessResult, SplitRow } from './preprocess.js';

/**
 * A processed directory: train.csv, val.csv (when there is a validation split), test.csv, each
 * `text,label` with the class name as label; label_map.json; summary.json.
 */
export const SPLIT_FILES = { train: 'train.csv', val: 'val.csv', test: 'test.csv' } as const;
export const LABEL_MAP_FILE = 'label_map.json';
export const SUMMARY_FILE = 'summary.json';
/** How the split texts were changed from the source's (`text_cleaning`): what prediction must repeat. */
export const TEXT_PREPROCESSING_FILE = 'preprocessing.json';

/** `cfpb`: the study's cleaning (letters, digits and white space kept); `none`: the texts as given. */
export type TextCleaning = 'cfpb' | 'none';

/** `text,label`, or `text,text_pair,label` when the rows are sentence pairs. */
export function formatSplitCsv(rows: readonly SplitRow[]): string {
  return [...splitCsvLines(rows)].join('');
}

/** formatSplitCsv's text one line at a time, made as it is read (a split of a large export is large). */
export function splitCsvLines(rows: readonly SplitRow[]): Iterable<string> {
  // Sentence pairs add a text_pair column; single texts keep the two columns the study has always had.
  if (rows.some((row) => row.textPair !== undefined)) {
    return csvLines(['text', 'text_pair', 'label'], {
      *[Symbol.iterator]() {
        for (const row of rows) yield [row.text, row.textPair ?? '', row.label];
      },
    });
  }
  return csvLines(['text', 'label'], {
    *[Symbol.iterator]() {
      for (const row of rows) yield [row.text, row.label];
    },
  });
}

/**
 * One file of a processed directory: CSV text, CSV lines (a split: written line by line, never one
 * string), or a value to be written as JSON.
 */
export type PreprocessedFile =
  | { name: string; text: string }
  | { name: string; pieces: Iterable<string> }
  | { name: string; json: unknown };

/**
 * The files of a processed directory, in the order to write them: the splits, label_map.json, and
 * summary.json last, so a directory with a summary is a complete one. Writing them (atomically) is
 * the caller's job, e.g. io's writeNamedFiles.
 */
export function formatPreprocessedFiles(result: PreprocessResult): PreprocessedFile[] {
  return formatSplitFiles(result, result.summary.options.valSize > 0, 'cfpb');
}

/** The same files for any splits: val.csv only when there is a validation split. */
export function formatSplitFiles(
  result: {
    labelMap: LabelMap;
    splits: { train: SplitRow[]; val: SplitRow[]; test: SplitRow[] };
    summary: unknown;
  },
  withVal: boolean,
  textCleaning: TextCleaning,
): PreprocessedFile[] {
  const files: PreprocessedFile[] = [{ name: SPLIT_FILES.train, pieces: splitCsvLines(result.splits.train) }];
  if (withVal) files.push({ name: SPLIT_FILES.val, pieces: splitCsvLines(result.splits.val) });
  files.push(
    { name: SPLIT_FILES.test, pieces: splitCsvLines(result.splits.test) },
    { name: LABEL_MAP_FILE, json: result.labelMap.toJSON() },
    { name: TEXT_PREPROCESSING_FILE, json: { text_cleaning: textCleaning } },
    { name: SUMMARY_FILE, json: result.summary },
  );
  return files;
}

/**
 * Reads a processed split (`text,label`, or `text,text_pair,label`) into examples with label ids from
 * `labelMap`; with a multi-label map, each label cell is the row's label set as a JSON array.
 */
export async function readSplit(path: string, labelMap: LabelMap): Promise<Example[]> {
  const examples: Example[] = [];
  let columns: { text: string; label: string; textPair?: string } | undefined;
  const unknown = (line: number, name: string): never => {
    throw new UserError(
      `${path} line ${line} has the label ${JSON.stringify(name)}, which the label map does not know (it knows ${labelMap.names.map((n) => JSON.stringify(n)).join(', ')}).`,
    );
  };
  for await (const { values, line } of readTableRows(path, 'csv')) {
    columns ??= splitColumns(Object.keys(values), path);
    const cell = String(values[columns.label]).trim();
    const text = String(values[columns.text]);
    let example: Example;
    if (labelMap.multiLabel) {
      const names = labelSetCell(cell, path, line);
      for (const name of names) if (labelMap.idOf(name) === undefined) unknown(line, name);
      example = { text, label: NO_CLASS_ID, targets: labelMap.targetsOf(names) };
    } else {
      const label = labelMap.idOf(cell);
      example = label === undefined ? unknown(line, cell) : { text, label };
    }
    if (columns.textPair !== undefined) example.textPair = String(values[columns.textPair]);
    examples.push(example);
  }
  return examples;
}

/** A multi-label split's label cell: a JSON array of label names (as preprocess writes it). */
function labelSetCell(cell: string, path: string, line: number): string[] {
  let value: unknown;
  try {
    value = JSON.parse(cell);
  } catch {
    value = undefined;
  }
  if (!Array.isArray(value) || !value.every((v): v is string => typeof v === 'string')) {
    throw new UserError(
      `${path} line ${line}: the label ${JSON.stringify(cell)} is not a JSON list of label names, as a multi-label split holds them (its label_map.json says multi-label).`,
    );
  }
  return value;
}

function isExport(header: string[], path: string): boolean {
  try {
    return mapColumns(header, path).layout === 'export';
  } catch {
    return false;
  }
}

/** The columns of a processed split, found as the study's readers always have (case and spacing aside). */
function splitColumns(header: string[], path: string): { text: string; label: string; textPair?: string } {
  const find = (name: string): string | undefined => header.find((h) => normalizeColumnName(h) === name);
  const text = find('text');
  const label = find('label');
  if ((text === undefined || label === undefined) && isExport(header, path)) {
    throw new UserError(
      `${path} is a raw complaints export, not a processed split with columns text,label; run preprocess on it first.`,
    );
  }
  if (text === undefined || label === undefined) {
    throw new UserError(
      `${path} is not a processed split with columns text,label (its columns are ${header.map((h) => JSON.stringify(h)).join(', ')}); run preprocess on it first.`,
    );
  }
  const textPair = find('text_pair');
  return textPair === undefined ? { text, label } : { text, label, textPair };
}

export interface PreprocessedData {
  labelMap: LabelMap;
  train: Example[];
  /** Empty when the directory has no val.csv. */
  val: Example[];
  test: Example[];
  /** How the split texts were cleaned, so that a model trained on them is fed the same way. */
  textCleaning: TextCleaning;
}

/**
 * The cleaning recorded in a processed directory. A directory from before the record existed is the
 * study's when its summary lists the study's steps; a directory made by hand gets the texts as given.
 */
export function readTextCleaning(dir: string): TextCleaning {
  const record = join(dir, TEXT_PREPROCESSING_FILE);
  if (existsSync(record)) {
    let value: unknown;
    try {
      value = (JSON.parse(readFileSync(record, 'utf8')) as { text_cleaning?: unknown }).text_cleaning;
    } catch {
      throw new UserError(`${record} is not readable JSON; run preprocess again to rewrite it.`);
    }
    if (value !== 'cfpb' && value !== 'none') {
      throw new UserError(
        `${record} names the text cleaning ${JSON.stringify(value)}; expected "cfpb" or "none".`,
      );
    }
    return value;
  }
  const summary = join(dir, SUMMARY_FILE);
  if (!existsSync(summary)) return 'none';
  try {
    return 'steps' in (JSON.parse(readFileSync(summary, 'utf8')) as object) ? 'cfpb' : 'none';
  } catch {
    throw new UserError(`${summary} is not readable JSON; run preprocess again to rewrite it.`);
  }
}

/** Loads a directory of formatPreprocessedFiles' files (as `lora-lab preprocess` writes it). */
export async function loadPreprocessed(dir: string): Promise<PreprocessedData> {
  if (!existsSync(dir))
    throw new UserError(`Data directory ${dir} does not exist; run preprocess to create it.`);
  const labelMap = LabelMap.load(join(dir, LABEL_MAP_FILE));
  const valPath = join(dir, SPLIT_FILES.val);
  return {
    labelMap,
    train: await readSplit(join(dir, SPLIT_FILES.train), labelMap),
    val: existsSync(valPath) ? await readSplit(valPath, labelMap) : [],
    test: await readSplit(join(dir, SPLIT_FILES.test), labelMap),
    textCleaning: readTextCleaning(dir),
  };
}
