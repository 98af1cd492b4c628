import { UserError } from '../../errors.js';
import { chooseColumns, type ColumnChoice, type ColumnFlags } from './columns.js';
import type { Table, TableFormat } from './table-format.js';

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
  /**
   * Multi-label only: a row with no labels (an empty list or cell) has none of the labels, an
   * all-negative example. Without it such a row is an error naming its line (or left out with
   * skipEmpty): an empty cell is more often a broken row than a text with no label at all.
   */
  allowEmptyLabels?: boolean;
  /**
   * Leave out rows whose text (or second text) is empty or whose label is missing, counting them in
   * `skipped`. Without it such a row is an error that names its line: a file with holes is more often
   * a wrong column or a broken export than data to train on.
   */
  skipEmpty?: boolean;
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
export const SAMPLE_ROWS = 200;

/** "line 7" of a text file, "row 7" of a Parquet file: where a message points. */
export function rowPlace(format: TableFormat, line: number): string {
  return `${format === 'parquet' ? 'row' : 'line'} ${line}`;
}

function labelText(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string') return value.trim() === '' ? undefined : value.trim();
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean')
    return String(value);
  return undefined;
}

function labelList(value: unknown, separator: string, path: string, place: string): string[] | undefined {
  if (Array.isArray(value)) {
    const names = value.map(labelText);
    if (names.some((n) => n === undefined)) {
      throw new UserError(`${path} ${place}: every label in a list must be a string or a number.`);
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

export function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '';
  return String(value);
}

/**
 * The labelled rows of a table (a file's rows, read from disk or from bytes), choosing the columns as
 * `chooseColumns` does. A row with an empty text or no label is an error naming its line, or with
 * `skipEmpty` left out and counted. A single-label value that is a list is an error that points at
 * --multi-label. `path` names the file in messages.
 */
export function labelledRows(table: Table, path: string, options: LabelledReadOptions = {}): LabelledFile {
  const { format, columns: names, rows: all } = table;
  const columns = chooseColumns(
    names,
    all.slice(0, SAMPLE_ROWS).map((r) => r.values),
    options,
    path,
  );
  const separator = options.labelSeparator ?? ',';
  const rows: LabelledRow[] = [];
  const skipped = { emptyText: 0, missingLabel: 0 };
  const refuse = (line: number, what: string, need: string): never => {
    throw new UserError(
      `${path} ${rowPlace(format, line)}: ${what}; every row needs ${need} (fix the file, or pass --skip-empty to leave such rows out).`,
    );
  };
  for (const { values, line } of all) {
    const text = textOf(values[columns.text]);
    const textPair = columns.textPair === undefined ? undefined : textOf(values[columns.textPair]);
    if (text.trim() === '' || textPair?.trim() === '') {
      const column = text.trim() === '' ? columns.text : columns.textPair!;
      if (!options.skipEmpty) refuse(line, `the text in column "${column}" is empty`, 'a text');
      skipped.emptyText += 1;
      continue;
    }
    const raw = values[columns.label];
    const row: LabelledRow = { text, line };
    if (textPair !== undefined) row.textPair = textPair;
    if (options.multiLabel) {
      const labels = labelList(raw, separator, path, rowPlace(format, line)) ?? [];
      if (labels.length === 0 && !options.allowEmptyLabels) {
        if (!options.skipEmpty) {
          throw new UserError(
            `${path} ${rowPlace(format, line)}: there is no label in column "${columns.label}"; every row of multi-label data needs at least one (fix the file, pass --allow-empty-labels to read such rows as having none of the labels, or --skip-empty to leave them out).`,
          );
        }
        skipped.missingLabel += 1;
        continue;
      }
      row.labels = labels;
    } else {
      if (Array.isArray(raw)) {
        throw new UserError(
          `${path} ${rowPlace(format, line)} has a list of labels in "${columns.label}"; pass --multi-label for multi-label data.`,
        );
      }
      const label = labelText(raw);
      if (label === undefined) {
        if (!options.skipEmpty) refuse(line, `there is no label in column "${columns.label}"`, 'a label');
        skipped.missingLabel += 1;
        continue;
      }
      row.label = label;
    }
    rows.push(row);
  }
  return { path, format, columns, rows, skipped };
}
