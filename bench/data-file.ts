/**
 * A CFPB-shaped export of any size for the data benchmark, made from a small real one: its rows are
 * repeated, and every copy after the first has two of its narrative's words swapped and its own
 * complaint id, so the texts differ as an export's mostly do while the product mix and text lengths stay
 * the real ones. Written as a stream; never held in memory.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { EXPORT_COLUMNS, openComplaintsCsv } from '../src/data/complaints.js';
import { csvField } from '../src/data/csv.js';
import { Rng } from '../src/tensor/random.js';

export interface SyntheticExportOptions {
  /** The real export whose rows are repeated (its rows with a product and a narrative). */
  source: string;
  rows: number;
  seed?: number;
}

export interface SyntheticExport {
  rows: number;
  bytes: number;
  sourceRows: number;
}

interface SourceRow {
  fields: string[];
  words: string[] | null;
}

// Writes are gathered into pieces of about this size: one write per row would be slow, one string for
// the whole file is what this module exists to avoid.
const PIECE_CHARS = 1 << 20;

export async function writeSyntheticExport(
  path: string,
  o: SyntheticExportOptions,
): Promise<SyntheticExport> {
  const source = await readSourceRows(o.source);
  if (source.length === 0) throw new Error(`${o.source} has no rows with a product and a narrative.`);
  const rng = new Rng(o.seed ?? 1);
  const out = createWriteStream(path);
  const failed = new Promise<never>((_, reject) => out.on('error', reject));
  failed.catch(() => undefined);
  const write = async (text: string): Promise<void> => {
    if (!out.write(text)) await Promise.race([once(out, 'drain'), failed]);
  };
  await write(`${EXPORT_COLUMNS.map(csvField).join(',')}\n`);
  let piece = '';
  for (let i = 0; i < o.rows; i++) {
    const row = source[i % source.length];
    const copy = Math.floor(i / source.length);
    const fields = [...row.fields];
    fields[4] = copy === 0 || !row.words ? fields[4] : swapTwoWords(row.words, rng);
    fields[5] = String(10_000_000 + i);
    piece += `${fields.map(csvField).join(',')}\n`;
    if (piece.length >= PIECE_CHARS) {
      await write(piece);
      piece = '';
    }
  }
  await write(piece);
  out.end();
  await Promise.race([once(out, 'finish'), failed]);
  return { rows: o.rows, bytes: out.bytesWritten, sourceRows: source.length };
}

/** The source's usable rows in the export's column order (as download-data writes them). */
async function readSourceRows(path: string): Promise<SourceRow[]> {
  const { rows } = await openComplaintsCsv(path);
  const found: SourceRow[] = [];
  for await (const r of rows) {
    if (r.product === '' || r.narrative.trim() === '') continue;
    const fields = [r.dateReceived, r.product, r.subProduct, r.issue, r.narrative, r.complaintId];
    const words = r.narrative.split(' ');
    found.push({ fields, words: words.length >= 2 ? words : null });
  }
  return found;
}

function swapTwoWords(words: readonly string[], rng: Rng): string {
  const copy = [...words];
  const a = rng.int(copy.length);
  let b = rng.int(copy.length - 1);
  if (b >= a) b++;
  [copy[a], copy[b]] = [copy[b], copy[a]];
  return copy.join(' ');
}
