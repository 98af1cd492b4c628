import { UserError } from '../../errors.js';
import { openBytes } from '../byte-source.js';
import { requireFile } from '../csv.js';
import { decodeUtf8Chunks } from '../utf8-stream.js';

/** One JSON Lines object and its line (1-based). */
export interface JsonRecord {
  values: Record<string, unknown>;
  line: number;
}

const CHUNK_BYTES = 1 << 20;

/**
 * Streams the objects of a JSON Lines file (one JSON object a line; blank lines skipped; gzip read as
 * is). A line that is not a JSON object is one UserError naming the line.
 */
export async function* readJsonlRecords(path: string): AsyncGenerator<JsonRecord> {
  const totalBytes = requireFile(path);
  const source = openBytes(path, CHUNK_BYTES);
  let pending = '';
  let line = 0;
  try {
    for await (const text of decodeUtf8Chunks(source, path, totalBytes)) {
      pending += text;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const raw of lines) {
        line += 1;
        const record = parseLine(raw, path, line);
        if (record) yield record;
      }
    }
    line += 1;
    const last = parseLine(pending, path, line);
    if (last) yield last;
  } finally {
    source.destroy();
  }
}

function parseLine(raw: string, path: string, line: number): JsonRecord | null {
  const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  if (text.trim() === '') return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UserError(
      `${path} line ${line} is not valid JSON (${(error as Error).message.replace(/\.$/, '')}); each line of a JSON Lines file must be one object.`,
    );
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new UserError(
      `${path} line ${line} is not a JSON object; each line of a JSON Lines file must be one object.`,
    );
  }
  return { values: value as Record<string, unknown>, line };
}
