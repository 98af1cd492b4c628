import { UserError } from '../errors.js';
import type { CheckpointStore } from './checkpoint-store.js';

/** The browser build's twin of checkpoint-folder.ts: a page has no folders; it passes a store. */
export function folderCheckpoints(dir: string): CheckpointStore {
  throw new UserError(
    `A browser cannot keep checkpoints in the folder ${dir}; pass a checkpoint store (memoryCheckpoints) instead.`,
  );
}
