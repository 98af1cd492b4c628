import { existsSync, statSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse';
import { UserError } from '../errors.js';
import { csvParsing, type CsvRecord } from './csv-records.js';
import { decodeUtf8Chunks } from './utf8-stream.js';
import { openBytes } from './byte-source.js';

export type { CsvRecord } from './csv-records.js';

export interface CsvReadOptions {
  /** Called after each chunk read: bytes read so far and the file's size. */
  onProgress?: (bytesRead: number, totalBytes: number) => void;
  /** Field separator: ',' (CSV, the default) or '\t' (TSV). */
  delimiter?: string;
}

const CHUNK_BYTES = 1 << 20;

/** Checks that `path` is a non-empty file; returns its size. */
export function requireFile(path: string, what = 'Input file'): number {
  if (!existsSync(path)) throw new UserError(`${what} ${path} does not exist.`);
  const stat = statSync(path);
  if (stat.isDirectory()) throw new UserError(`${path} is a directory, not a CSV file.`);
  if (stat.size === 0) throw new UserError(`${path} is empty.`);
  return stat.size;
}

/**
 * Streams the records of a CSV file as published by the CFPB (and as Excel or pandas write it):
 * UTF-8 with or without a byte-order mark, CRLF or LF, quoted fields spanning lines. The file is read
 * in chunks, so a multi-gigabyte export never has to fit in one string. Empty lines are skipped; a
 * record with fewer fields than the header is allowed (the caller treats missing fields as empty).
 * Problems become one-sentence UserErrors that say where: bytes that are not UTF-8, a quote that is
 * never closed, a record with more fields than the header.
 */
export async function* readCsvRecords(path: string, options: CsvReadOptions = {}): AsyncGenerator<CsvRecord> {
  const totalBytes = requireFile(path);
  const parsing = csvParsing(options.delimiter ?? ',');
  const parser = parse(parsing.options);
  const source = openBytes(path, CHUNK_BYTES);
  const feeding = pipeline(
    Readable.from(
      decodeUtf8Chunks(
        source,
        path,
        totalBytes,
        options.onProgress && ((_, total) => options.onProgress?.(source.fileBytesRead(), total)),
      ),
    ),
    parser,
  );
  feeding.catch(() => undefined); // the same failure surfaces through the iteration below
  try {
    for await (const record of parser as AsyncIterable<CsvRecord>) yield record;
    await feeding;
  } catch (error) {
    throw parsing.errorOf(path, error);
  } finally {
    source.destroy();
    parser.destroy();
  }
}

/** One CSV field, quoted when it holds a comma, a quote, a line break or edge spaces. */
export function csvField(value: string): string {
  return /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** A whole CSV document: header, then one line per row. */
export function formatCsv(header: readonly string[], rows: Iterable<readonly string[]>, eol = '\n'): string {
  return [...csvLines(header, rows, eol)].join('');
}

/**
 * The same document as formatCsv, one line (with its line break) at a time, made as it is read: a
 * large file can be written without ever being one string. Each iteration starts again from the top.
 */
export function csvLines(
  header: readonly string[],
  rows: Iterable<readonly string[]>,
  eol = '\n',
): Iterable<string> {
  return {
    *[Symbol.iterator]() {
      yield header.map(csvField).join(',') + eol;
      for (const row of rows) yield row.map(csvField).join(',') + eol;
    },
  };
}
