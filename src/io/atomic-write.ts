import {
  closeSync,
  copyFileSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { threadId } from 'node:worker_threads';

let written = 0;

/**
 * A temporary name beside `path` that no other writer uses: this process and thread's own, and a count
 * (two trainings on worker threads of one process may write the same file in the same millisecond).
 */
function temporaryFor(path: string): string {
  written += 1;
  return join(dirname(path), `.${basename(path)}.${process.pid}.${threadId}.${written}.tmp`);
}

/**
 * Writes a file under a temporary name in the same folder, then renames it over the target: readers
 * see the old file or the new one, never half of one, even if the process dies mid-write.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = temporaryFor(path);
  try {
    writeFileSync(temporary, data);
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

// Pieces are gathered into writes of about this many characters: few system calls, little memory.
const PIECES_PER_WRITE_CHARS = 1 << 20;

/**
 * Writes a file made of many pieces (the lines of a large CSV) as writeFileAtomic does, one batch of
 * pieces at a time, so the whole file never has to exist as one string or one buffer.
 */
export function writePiecesAtomic(path: string, pieces: Iterable<string>): void {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = temporaryFor(path);
  let fd: number | null = null;
  try {
    fd = openSync(temporary, 'w');
    let batch: string[] = [];
    let chars = 0;
    for (const piece of pieces) {
      batch.push(piece);
      chars += piece.length;
      if (chars >= PIECES_PER_WRITE_CHARS) {
        writeAll(fd, batch.join(''));
        batch = [];
        chars = 0;
      }
    }
    if (batch.length > 0) writeAll(fd, batch.join(''));
    closeSync(fd);
    fd = null;
    renameSync(temporary, path);
  } catch (error) {
    if (fd !== null) closeSync(fd);
    rmSync(temporary, { force: true });
    throw error;
  }
}

// writeSync may write less than it was given (a full disk, a signal); the rest is written after it.
function writeAll(fd: number, text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  for (let at = 0; at < bytes.length;) at += writeSync(fd, bytes, at, bytes.length - at);
}

/** Copies `source` to `path` under a temporary name first, as writeFileAtomic writes. */
export function copyFileAtomic(source: string, path: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = temporaryFor(path);
  try {
    copyFileSync(source, temporary);
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}
