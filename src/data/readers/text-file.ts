import { UserError } from '../../errors.js';
import { chooseTextColumns, type ColumnFlags } from './columns.js';
import { rowPlace, SAMPLE_ROWS, textOf } from './labelled-file.js';
import { formatOf, readTable, type TableFormat } from './table.js';

/** One text to classify (with its second text for sentence pairs) and where it is in its file. */
export interface TextRow {
  text: string;
  textPair?: string;
  line: number;
}

export interface TextFile {
  path: string;
  format: TableFormat;
  columns: { text: string; textPair?: string };
  rows: TextRow[];
  /** Rows left out for an empty text (with `skipEmpty`). */
  skipped: number;
}

/**
 * The texts of a CSV, TSV, JSON Lines or Parquet file (gzip or not), labelled or not: the column as
 * `chooseTextColumns` finds it. An empty text is an error naming its line, or with `skipEmpty` left out
 * and counted.
 */
export async function readTextFile(
  path: string,
  options: Omit<ColumnFlags, 'labelColumn'> & { format?: TableFormat; skipEmpty?: boolean } = {},
): Promise<TextFile> {
  const { format, columns: names, rows: all } = await readTable(path, formatOf(path, options.format));
  const columns = chooseTextColumns(
    names,
    all.slice(0, SAMPLE_ROWS).map((r) => r.values),
    options,
    path,
  );
  const rows: TextRow[] = [];
  let skipped = 0;
  for (const { values, line } of all) {
    const text = textOf(values[columns.text]);
    const textPair = columns.textPair === undefined ? undefined : textOf(values[columns.textPair]);
    if (text.trim() === '' || textPair?.trim() === '') {
      if (!options.skipEmpty) {
        const column = text.trim() === '' ? columns.text : columns.textPair!;
        throw new UserError(
          `${path} ${rowPlace(format, line)}: the text in column "${column}" is empty; there is nothing to classify (fix the file, or pass --skip-empty to leave such rows out).`,
        );
      }
      skipped += 1;
      continue;
    }
    rows.push(textPair === undefined ? { text, line } : { text, textPair, line });
  }
  if (rows.length === 0) throw new UserError(`${path} has no row with a text to classify.`);
  return { path, format, columns, rows, skipped };
}
