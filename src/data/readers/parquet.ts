import { gunzipSync } from 'node:zlib';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import { UserError } from '../../errors.js';
import { requireFile } from '../csv.js';
import type { TableRow } from './table.js';

/** Rows read at a time, so a large file never has to be in memory as objects all at once. */
const ROWS_PER_READ = 10_000;

/** hyparquet reads snappy itself; gzip is the other codec pandas and pyarrow commonly write. */
const compressors = {
  GZIP: (input: Uint8Array): Uint8Array => new Uint8Array(gunzipSync(input)),
};

/** The rows of a Parquet file, in order, as values by column name. */
export async function* readParquetRecords(path: string): AsyncGenerator<TableRow> {
  requireFile(path);
  let file: Awaited<ReturnType<typeof asyncBufferFromFile>>;
  let metadata: Awaited<ReturnType<typeof parquetMetadataAsync>>;
  try {
    file = await asyncBufferFromFile(path);
    metadata = await parquetMetadataAsync(file);
  } catch (error) {
    throw new UserError(
      `${path} could not be read as Parquet: ${(error as Error).message.replace(/\.$/, '')}.`,
    );
  }
  const total = Number(metadata.num_rows);
  for (let start = 0; start < total; start += ROWS_PER_READ) {
    let rows: Record<string, unknown>[];
    try {
      rows = await parquetReadObjects({
        file,
        metadata,
        compressors,
        rowStart: start,
        rowEnd: Math.min(total, start + ROWS_PER_READ),
      });
    } catch (error) {
      throw new UserError(
        `${path} could not be read as Parquet near row ${start + 1}: ${(error as Error).message.replace(/\.$/, '')}.`,
      );
    }
    for (let i = 0; i < rows.length; i++) yield { values: rows[i]!, line: start + i + 1 };
  }
}
