import { basename } from 'node:path';
import { UserError } from '../../errors.js';
import { readCsvRecords } from '../csv.js';
import { readJsonlRecords } from './jsonl.js';
import { readParquetRecords } from './parquet.js';

export type TableFormat = 'csv' | 'tsv' | 'jsonl' | 'parquet';

/** One row of a labelled-data file: its values by column name, and where it is (line or row number). */
export interface TableRow {
  values: Record<string, unknown>;
  /** The line a CSV/TSV/JSONL record starts on; the 1-based row number in a Parquet file. */
  line: number;
}

const EXTENSIONS: Record<string, TableFormat> = {
  csv: 'csv',
  tsv: 'tsv',
  tab: 'tsv',
  jsonl: 'jsonl',
  ndjson: 'jsonl',
  parquet: 'parquet',
  pq: 'parquet',
};

/** The format a file name says (`train.csv`, `dev.tsv.gz`, `data.jsonl`), or a clear error. */
export function formatOf(path: string, override?: TableFormat): TableFormat {
  if (override) return override;
  const parts = basename(path).toLowerCase().split('.');
  if (parts[parts.length - 1] === 'gz') parts.pop();
  const format = parts.length > 1 ? EXTENSIONS[parts[parts.length - 1]!] : undefined;
  if (!format) {
    throw new UserError(
      `Cannot tell the format of ${path} from its name; name it .csv, .tsv, .jsonl or .parquet (optionally .gz), or pass --format.`,
    );
  }
  return format;
}

/**
 * The rows of a CSV, TSV, JSON Lines or Parquet file (gzip-compressed or not) as values by column name.
 * CSV and TSV take their column names from the first record; a column named twice is an error, since
 * the rows could not say which one they mean.
 */
export async function* readTableRows(
  path: string,
  format: TableFormat = formatOf(path),
): AsyncGenerator<TableRow> {
  if (format === 'jsonl') {
    yield* readJsonlRecords(path);
    return;
  }
  if (format === 'parquet') {
    yield* readParquetRecords(path);
    return;
  }
  let header: string[] | null = null;
  for await (const record of readCsvRecords(path, { delimiter: format === 'tsv' ? '\t' : ',' })) {
    if (header === null) {
      header = record.fields.map((f) => f.trim());
      const seen = new Set<string>();
      for (const name of header) {
        if (seen.has(name)) throw new UserError(`${path} names the column "${name}" twice in its header.`);
        seen.add(name);
      }
      continue;
    }
    const values: Record<string, unknown> = {};
    header.forEach((name, i) => (values[name] = record.fields[i] ?? ''));
    yield { values, line: record.line };
  }
}

/** A whole file's rows in memory, and its columns (for JSON Lines, every key any row has). */
export interface Table {
  format: TableFormat;
  columns: string[];
  rows: TableRow[];
}

/** Reads every row of a file (see readTableRows); a file without rows is an error. */
export async function readTable(path: string, format: TableFormat = formatOf(path)): Promise<Table> {
  const rows: TableRow[] = [];
  const columns = new Set<string>();
  for await (const row of readTableRows(path, format)) {
    rows.push(row);
    // JSON Lines rows may differ in their keys; the columns are all keys seen.
    if (format === 'jsonl' || rows.length === 1) for (const key of Object.keys(row.values)) columns.add(key);
  }
  if (rows.length === 0) throw new UserError(`${path} has no rows.`);
  return { format, columns: [...columns], rows };
}
