import { openBytes } from '../byte-source.js';
import { requireFile } from '../csv.js';
import { decodeUtf8Chunks } from '../utf8-stream.js';
import { parseJsonLine, type JsonRecord } from './jsonl-line.js';

export type { JsonRecord } from './jsonl-line.js';

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
        const record = parseJsonLine(raw, path, line);
        if (record) yield record;
      }
    }
    line += 1;
    const last = parseJsonLine(pending, path, line);
    if (last) yield last;
  } finally {
    source.destroy();
  }
}
