import { labelledRows, type LabelledFile, type LabelledReadOptions } from './labelled-rows.js';
import { formatOf, readTable } from './table.js';

export {
  labelledRows,
  rowPlace,
  SAMPLE_ROWS,
  textOf,
  type LabelledFile,
  type LabelledReadOptions,
  type LabelledRow,
} from './labelled-rows.js';

/**
 * Reads a file of labelled text (CSV, TSV, JSON Lines or Parquet; gzip or not) and takes its labelled
 * rows (see labelledRows).
 */
export async function readLabelledFile(
  path: string,
  options: LabelledReadOptions = {},
): Promise<LabelledFile> {
  return labelledRows(await readTable(path, formatOf(path, options.format)), path, options);
}
