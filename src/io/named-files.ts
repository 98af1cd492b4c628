import { join } from 'node:path';
import { writeFileAtomic, writeJsonAtomic, writePiecesAtomic } from './atomic-write.js';

/**
 * A file by its name in a directory: its contents as they are, its contents in pieces (a large file
 * never held whole), or a value written as JSON.
 */
export type NamedFile =
  | { name: string; text: string | Uint8Array }
  | { name: string; pieces: Iterable<string> }
  | { name: string; json: unknown };

/**
 * Writes `files` into `dir` in the order given, each atomically: a reader of the last file knows
 * the others are whole. Returns the paths written.
 */
export function writeNamedFiles(dir: string, files: readonly NamedFile[]): string[] {
  return files.map((file) => {
    const path = join(dir, file.name);
    if ('json' in file) writeJsonAtomic(path, file.json);
    else if ('pieces' in file) writePiecesAtomic(path, file.pieces);
    else writeFileAtomic(path, file.text);
    return path;
  });
}
