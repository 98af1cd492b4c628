import { UserError } from '../../errors.js';
import { parseCsvText } from '../csv-records.js';
import { decodeUtf8Chunks } from '../utf8-stream.js';
import { parseJsonLine } from './jsonl-line.js';
import {
  collectTable,
  csvHeader,
  csvRow,
  formatOf,
  type Table,
  type TableFormat,
  type TableRow,
} from './table-format.js';

/**
 * A CSV, TSV or JSON Lines file (gzip or not) already in memory — a dropped or fetched file in a
 * browser — as readTable reads one from disk: the same columns, rows, line numbers and errors. `name`
 * is the file's name: it tells the format (unless `format` does) and names the file in messages.
 * Parquet files are read from disk only (readTable).
 */
export async function readTableBytes(bytes: Uint8Array, name: string, format?: TableFormat): Promise<Table> {
  const kind = formatOf(name, format);
  if (kind === 'parquet') {
    throw new UserError(`${name} is a Parquet file; here only CSV, TSV and JSON Lines files are read.`);
  }
  if (bytes.length === 0) throw new UserError(`${name} is empty.`);
  const text = await decodeText(isGzip(bytes) ? await gunzip(bytes, name) : bytes, name);
  return collectTable(rowsOf(text, kind, name), kind, name);
}

async function* rowsOf(text: string, format: TableFormat, name: string): AsyncGenerator<TableRow> {
  if (format === 'jsonl') {
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const record = parseJsonLine(lines[i]!, name, i + 1);
      if (record) yield record;
    }
    return;
  }
  let header: string[] | null = null;
  for (const record of parseCsvText(text, name, format === 'tsv' ? '\t' : ',')) {
    if (header === null) header = csvHeader(record.fields, name);
    else yield csvRow(header, record);
  }
}

/** Strict UTF-8 without a byte-order mark, with the same message for a bad byte as a file read from disk. */
async function decodeText(bytes: Uint8Array, name: string): Promise<string> {
  const pieces: string[] = [];
  for await (const piece of decodeUtf8Chunks(one(bytes), name, bytes.length)) pieces.push(piece);
  return pieces.join('');
}

async function* one(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

/** gzip's two magic bytes, as byte-source.ts checks them. */
function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Through the DecompressionStream that browsers and Node both have. */
async function gunzip(bytes: Uint8Array, name: string): Promise<Uint8Array> {
  try {
    const stream = new Blob([new Uint8Array(bytes)]).stream().pipeThrough(new DecompressionStream('gzip'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (error) {
    throw new UserError(`${name} is a damaged or truncated gzip file: ${(error as Error).message}.`);
  }
}
