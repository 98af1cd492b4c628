import { createReadStream, existsSync, statSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse, CsvError, type InfoRecord } from 'csv-parse';
import { UserError } from '../errors.js';
import { countByte, findInvalidUtf8, incompleteTailLength } from './utf8.js';

/** One CSV record and the physical line (1-based) where it starts. */
export interface CsvRecord {
  fields: string[];
  line: number;
}

export interface CsvReadOptions {
  /** Called after each chunk read: bytes read so far and the file's size. */
  onProgress?: (bytesRead: number, totalBytes: number) => void;
}

const CHUNK_BYTES = 1 << 20;
const LINE_BREAKS = /\r\n|\r|\n/g;

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
  // The parser reports lines its own way (CRLF inside a quoted field counts twice), so lines are
  // tracked here: each record starts where the previous one ended plus the empty lines skipped.
  let nextLine = 1;
  let emptyLinesSeen = 0;
  const parser = parse({
    relax_quotes: true,
    relax_column_count_less: true,
    skip_empty_lines: true,
    // on_record runs as the parser reaches each record, so the line state is current when it fails.
    on_record: (fields: string[], info: InfoRecord): string[] => {
      const line = nextLine + (info.empty_lines - emptyLinesSeen);
      emptyLinesSeen = info.empty_lines;
      let breaks = 0;
      for (const field of fields) if (field.length > 0) breaks += field.match(LINE_BREAKS)?.length ?? 0;
      nextLine = line + 1 + breaks;
      const record: CsvRecord = { fields, line };
      return record as unknown as string[];
    },
  });
  const source = createReadStream(path, { highWaterMark: CHUNK_BYTES });
  const feeding = pipeline(
    Readable.from(decodeUtf8Chunks(source, path, totalBytes, options.onProgress)),
    parser,
  );
  feeding.catch(() => undefined); // the same failure surfaces through the iteration below
  try {
    for await (const record of parser as AsyncIterable<CsvRecord>) yield record;
    await feeding;
  } catch (error) {
    if (error instanceof CsvError) {
      const emptyLines = typeof error.empty_lines === 'number' ? error.empty_lines : emptyLinesSeen;
      const line = nextLine + (emptyLines - emptyLinesSeen);
      throw csvUserError(path, error, line);
    }
    throw error;
  } finally {
    source.destroy();
    parser.destroy();
  }
}

function csvUserError(path: string, error: CsvError, line: number): UserError {
  switch (error.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return new UserError(
        `${path} has an unbalanced quote: a quoted field in the record that starts on line ${line} is never closed.`,
      );
    case 'CSV_INVALID_CLOSING_QUOTE':
      return new UserError(
        `${path} has a stray quote in the record that starts on line ${line}: a closing quote must be followed by a comma or a line break.`,
      );
    case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH': {
      const found = Array.isArray(error.record) ? `${error.record.length} fields` : 'more fields';
      return new UserError(`${path} line ${line} has ${found}, more than its header.`);
    }
    default:
      return new UserError(
        `${path} could not be read as CSV near line ${line}: ${error.message.replace(/\.$/, '')}.`,
      );
  }
}

/**
 * Decodes a byte stream as strict UTF-8 (TextDecoder with fatal: true), never splitting a character
 * between chunks, dropping a leading byte-order mark, and naming the byte offset and line of the
 * first invalid sequence.
 */
async function* decodeUtf8Chunks(
  source: AsyncIterable<Buffer>,
  path: string,
  totalBytes: number,
  onProgress?: (bytesRead: number, totalBytes: number) => void,
): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  let carry: Uint8Array = new Uint8Array(0);
  let offset = 0; // file offset of carry[0]
  let newlines = 0; // '\n' bytes before `offset`
  let bytesRead = 0;
  let first = true;
  for await (const chunk of source) {
    bytesRead += chunk.length;
    let bytes: Uint8Array = carry.length > 0 ? concat(carry, chunk) : chunk;
    if (first) {
      if (bytes.length < 3 && bytesRead < totalBytes) {
        carry = bytes;
        continue;
      }
      first = false;
      if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
        bytes = bytes.subarray(3);
        offset += 3;
      }
    }
    const cut = bytes.length - incompleteTailLength(bytes);
    const piece = bytes.subarray(0, cut);
    yield decodePiece(decoder, piece, path, offset, newlines);
    newlines += countByte(piece, 0x0a);
    offset += cut;
    carry = bytes.slice(cut);
    onProgress?.(bytesRead, totalBytes);
  }
  if (carry.length > 0) {
    if (first && carry[0] === 0xef && carry[1] === 0xbb && carry[2] === 0xbf) return;
    yield decodePiece(decoder, carry, path, offset, newlines);
  }
}

function decodePiece(
  decoder: InstanceType<typeof TextDecoder>,
  piece: Uint8Array,
  path: string,
  offset: number,
  newlines: number,
): string {
  try {
    return decoder.decode(piece);
  } catch {
    const at = findInvalidUtf8(piece);
    const index = at === -1 ? piece.length - 1 : at;
    const line = newlines + countByte(piece, 0x0a, index) + 1;
    const byte = piece[index].toString(16).toUpperCase().padStart(2, '0');
    throw new UserError(
      `${path} is not valid UTF-8: byte 0x${byte} at offset ${offset + index} (line ${line}) is not part of a UTF-8 character; re-save the file as UTF-8.`,
    );
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** One CSV field, quoted when it holds a comma, a quote, a line break or edge spaces. */
export function csvField(value: string): string {
  return /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** A whole CSV document: header, then one line per row. */
export function formatCsv(header: readonly string[], rows: Iterable<readonly string[]>, eol = '\n'): string {
  const lines = [header.map(csvField).join(',')];
  for (const row of rows) lines.push(row.map(csvField).join(','));
  return lines.join(eol) + eol;
}
