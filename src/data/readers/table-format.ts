import { UserError } from '../../errors.js';

export type TableFormat = 'csv' | 'tsv' | 'jsonl' | 'parquet';

/** One row of a labelled-data file: its values by column name, and where it is (line or row number). */
export interface TableRow {
  values: Record<string, unknown>;
  /** The line a CSV/TSV/JSONL record starts on; the 1-based row number in a Parquet file. */
  line: number;
}

/** A whole file's rows in memory, and its columns (for JSON Lines, every key any row has). */
export interface Table {
  format: TableFormat;
  columns: string[];
  rows: TableRow[];
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
  const parts = fileName(path).toLowerCase().split('.');
  if (parts[parts.length - 1] === 'gz') parts.pop();
  const format = parts.length > 1 ? EXTENSIONS[parts[parts.length - 1]!] : undefined;
  if (!format) {
    throw new UserError(
      `Cannot tell the format of ${path} from its name; name it .csv, .tsv, .jsonl or .parquet (optionally .gz), or pass --format.`,
    );
  }
  return format;
}

/** The last part of a path or URL (as node:path's basename on POSIX), without a file system to ask. */
function fileName(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

/** A CSV or TSV file's column names, from its first record; a column named twice is an error. */
export function csvHeader(fields: readonly string[], path: string): string[] {
  const header = fields.map((f) => f.trim());
  const seen = new Set<string>();
  for (const name of header) {
    if (seen.has(name)) throw new UserError(`${path} names the column "${name}" twice in its header.`);
    seen.add(name);
  }
  return header;
}

/** A CSV or TSV record after the header as a row (missing fields are empty). */
export function csvRow(header: readonly string[], record: { fields: string[]; line: number }): TableRow {
  const values: Record<string, unknown> = {};
  header.forEach((name, i) => (values[name] = record.fields[i] ?? ''));
  return { values, line: record.line };
}

/** Collects rows into a Table (see readTable); a file without rows is an error. */
export async function collectTable(
  rows: AsyncIterable<TableRow>,
  format: TableFormat,
  path: string,
): Promise<Table> {
  const all: TableRow[] = [];
  const columns = new Set<string>();
  for await (const row of rows) {
    all.push(row);
    // JSON Lines rows may differ in their keys; the columns are all keys seen.
    if (format === 'jsonl' || all.length === 1) for (const key of Object.keys(row.values)) columns.add(key);
  }
  if (all.length === 0) throw new UserError(`${path} has no rows.`);
  return { format, columns: [...columns], rows: all };
}
