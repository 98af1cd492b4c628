import { readCsvRecords } from '../csv.js';
import { readJsonlRecords } from './jsonl.js';
import { readParquetRecords } from './parquet.js';
import {
  collectTable,
  csvHeader,
  csvRow,
  formatOf,
  type Table,
  type TableFormat,
  type TableRow,
} from './table-format.js';

export { formatOf, type Table, type TableFormat, type TableRow } from './table-format.js';

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
    if (header === null) header = csvHeader(record.fields, path);
    else yield csvRow(header, record);
  }
}

/** Reads every row of a file (see readTableRows); a file without rows is an error. */
export async function readTable(path: string, format: TableFormat = formatOf(path)): Promise<Table> {
  return collectTable(readTableRows(path, format), format, path);
}
