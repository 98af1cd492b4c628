import { UserError } from '../../errors.js';
import { chooseColumns, type ColumnChoice, type ColumnFlags } from './columns.js';
import { formatOf, readTableRows, type TableFormat } from './table.js';

/** One example of labelled text: a single label, or with multiLabel a list of them. */
export interface LabelledRow {
  text: string;
  textPair?: string;
  label?: string;
  labels?: string[];
  /** Where it came from in the file, for messages. */
  line: number;
}

export interface LabelledReadOptions extends ColumnFlags {
  format?: TableFormat;
  /** Labels are lists: JSON arrays, or strings split at `labelSeparator`. */
  multiLabel?: boolean;
  /** Splits a multi-label string such as "billing|fraud" (default ","). */
  labelSeparator?: string;
}

export interface LabelledFile {
  path: string;
  format: TableFormat;
  columns: ColumnChoice;
  rows: LabelledRow[];
  /** Rows left out, by reason, so that the caller can say how many and why. */
  skipped: { emptyText: number; missingLabel: number };
}

/** Rows looked at to find a text column by its values when none is named. */
const SAMPLE_ROWS = 200;

function labelText(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string') return value.trim() === '' ? undefined : value.trim();
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean')
    return String(value);
  return undefined;
}

function labelList(value: unknown, separator: string, path: string, line: number): string[] | undefined {
  if (Array.isArray(value)) {
    const names = value.map(labelText);
    if (names.some((n) => n === undefined)) {
      throw new UserError(`${path} line ${line}: every label in a list must be a string or a number.`);
    }
    return [...new Set(names as string[])];
  }
  const text = labelText(value);
  if (text === undefined) return undefined;
  return [
    ...new Set(
      text
        .split(separator)
        .map((s) => s.trim())
        .filter((s) => s !== ''),
    ),
  ];
}

function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '';
  return String(value);
}

/**
 * Reads a file of labelled text (CSV, TSV, JSON Lines or Parquet; gzip or not), choosing the columns
 * as `chooseColumns` does. Rows with an empty text or no label are left out and counted. A single-label
 * value that is a list is an error that points at --multi-label.
 */
export async function readLabelledFile(
  path: string,
  options: LabelledReadOptions = {},
): Promise<LabelledFile> {
  const format = formatOf(path, options.format);
  const all: { values: Record<string, unknown>; line: number }[] = [];
  const columnSet = new Set<string>();
  for await (const row of readTableRows(path, format)) {
    all.push(row);
    // JSON Lines rows may differ in their keys; the columns are all keys seen.
    if (format === 'jsonl' || all.length === 1) for (const key of Object.keys(row.values)) columnSet.add(key);
  }
  if (all.length === 0) throw new UserError(`${path} has no rows.`);
  const columns = chooseColumns(
    [...columnSet],
    all.slice(0, SAMPLE_ROWS).map((r) => r.values),
    options,
    path,
  );
  const separator = options.labelSeparator ?? ',';
  const rows: LabelledRow[] = [];
  const skipped = { emptyText: 0, missingLabel: 0 };
  for (const { values, line } of all) {
    const text = textOf(values[columns.text]);
    if (text.trim() === '') {
      skipped.emptyText += 1;
      continue;
    }
    const raw = values[columns.label];
    const row: LabelledRow = { text, line };
    if (columns.textPair !== undefined) row.textPair = textOf(values[columns.textPair]);
    if (options.multiLabel) {
      const labels = labelList(raw, separator, path, line);
      if (labels === undefined) {
        skipped.missingLabel += 1;
        continue;
      }
      row.labels = labels;
    } else {
      if (Array.isArray(raw)) {
        throw new UserError(
          `${path} line ${line} has a list of labels in "${columns.label}"; pass --multi-label for multi-label data.`,
        );
      }
      const label = labelText(raw);
      if (label === undefined) {
        skipped.missingLabel += 1;
        continue;
      }
      row.label = label;
    }
    rows.push(row);
  }
  return { path, format, columns, rows, skipped };
}
