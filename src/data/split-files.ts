import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { writeFileAtomic, writeJsonAtomic } from '../io/atomic-write.js';
import { readComplaintsCsv } from './complaints.js';
import { formatCsv } from './csv.js';
import type { Example } from './dataset.js';
import { LabelMap } from './label-map.js';
import type { PreprocessResult, SplitRow } from './preprocess.js';

/**
 * A processed directory: train.csv, val.csv (when there is a validation split), test.csv, each
 * `text,label` with the class name as label; label_map.json; summary.json.
 */
export const SPLIT_FILES = { train: 'train.csv', val: 'val.csv', test: 'test.csv' } as const;
export const LABEL_MAP_FILE = 'label_map.json';
export const SUMMARY_FILE = 'summary.json';

export function formatSplitCsv(rows: readonly SplitRow[]): string {
  return formatCsv(
    ['text', 'label'],
    rows.map((row) => [row.text, row.label]),
  );
}

/** Writes the processed directory, every file atomically, summary.json last. Returns the paths. */
export function writePreprocessed(outputDir: string, result: PreprocessResult): string[] {
  const written: string[] = [];
  const write = (name: string, data: string): void => {
    const path = join(outputDir, name);
    writeFileAtomic(path, data);
    written.push(path);
  };
  write(SPLIT_FILES.train, formatSplitCsv(result.splits.train));
  if (result.summary.options.valSize > 0) write(SPLIT_FILES.val, formatSplitCsv(result.splits.val));
  write(SPLIT_FILES.test, formatSplitCsv(result.splits.test));
  const labelMapPath = join(outputDir, LABEL_MAP_FILE);
  result.labelMap.save(labelMapPath);
  written.push(labelMapPath);
  const summaryPath = join(outputDir, SUMMARY_FILE);
  writeJsonAtomic(summaryPath, result.summary);
  written.push(summaryPath);
  return written;
}

/** Reads a processed split (`text,label`) into examples with label ids from `labelMap`. */
export async function readSplit(path: string, labelMap: LabelMap): Promise<Example[]> {
  const table = await readComplaintsCsv(path);
  if (table.layout !== 'split') {
    throw new UserError(
      `${path} is a raw complaints export, not a processed split with columns text,label; run preprocess on it first.`,
    );
  }
  return table.rows.map((row) => {
    const label = labelMap.idOf(row.product);
    if (label === undefined) {
      throw new UserError(
        `${path} line ${row.line} has the label ${JSON.stringify(row.product)}, which the label map does not know (it knows ${labelMap.names.map((n) => JSON.stringify(n)).join(', ')}).`,
      );
    }
    return { text: row.narrative, label };
  });
}

export interface PreprocessedData {
  labelMap: LabelMap;
  train: Example[];
  /** Empty when the directory has no val.csv. */
  val: Example[];
  test: Example[];
}

/** Loads a directory written by writePreprocessed (or `lora-lab preprocess`). */
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
  };
}
