import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-write.js';

/** Files by name in one folder: a cache's entries (e.g. data's TokenCacheStore). */
export interface FolderStore {
  /** The file's bytes, or null when there is no such file. */
  read(name: string): Uint8Array | null;
  /** Replaces the file atomically (the folder is made when missing): a reader sees the old or the new one. */
  write(name: string, bytes: Uint8Array): void;
}

export function folderStore(dir: string): FolderStore {
  return {
    read(name) {
      try {
        return readFileSync(join(dir, name));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw error;
      }
    },
    write(name, bytes) {
      writeFileAtomic(join(dir, name), bytes);
    },
  };
}
