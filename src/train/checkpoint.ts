import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  checkpointFiles,
  readCheckpoint,
  STATE_FILE,
  type CheckpointContents,
  type CheckpointPayload,
} from './checkpoint-format.js';
import type { CheckpointStore } from './checkpoint-store.js';

/**
 * A checkpoint folder `checkpoint-<step>/` holds the files of checkpoint-format.ts. The folder is
 * assembled under a hidden temporary name and renamed into place, so a folder named
 * `checkpoint-<step>` is always complete.
 */
const CHECKPOINT_PREFIX = 'checkpoint-';
const TEMP_PREFIX = '.tmp-checkpoint-';
const OLD_PREFIX = '.old-checkpoint-';

export {
  CHECKPOINT_FORMAT,
  rngStateFromJson,
  rngStateToJson,
  type CheckpointContents,
  type CheckpointPayload,
  type TrainerState,
} from './checkpoint-format.js';

/**
 * Writes `checkpoint-<global_step>` under `outputDir` atomically, then keeps only the newest
 * `keep` checkpoints (all when keep is undefined or ≤ 0). Returns the folder's path.
 */
export function saveCheckpoint(outputDir: string, payload: CheckpointPayload, keep?: number): string {
  mkdirSync(outputDir, { recursive: true });
  removeLeftovers(outputDir);
  const step = payload.state.global_step;
  const finalDir = join(outputDir, `${CHECKPOINT_PREFIX}${step}`);
  const tempDir = join(outputDir, `${TEMP_PREFIX}${step}-${process.pid}`);
  rmSync(tempDir, { recursive: true, force: true });
  mkdirSync(tempDir);
  try {
    for (const [name, bytes] of checkpointFiles(payload)) writeFileSync(join(tempDir, name), bytes);
    if (existsSync(finalDir)) {
      // The same step saved again (a resumed run passing it once more): swap, never leaving a gap.
      const oldDir = join(outputDir, `${OLD_PREFIX}${step}-${process.pid}`);
      rmSync(oldDir, { recursive: true, force: true });
      renameSync(finalDir, oldDir);
      renameSync(tempDir, finalDir);
      rmSync(oldDir, { recursive: true, force: true });
    } else {
      renameSync(tempDir, finalDir);
    }
  } catch (error) {
    rmSync(tempDir, { recursive: true, force: true });
    throw error;
  }
  if (keep !== undefined && keep > 0) pruneCheckpoints(outputDir, keep);
  return finalDir;
}

/** The complete checkpoints under `outputDir`, oldest first, as [step, path]. */
export function listCheckpoints(outputDir: string): [number, string][] {
  if (!existsSync(outputDir)) return [];
  const found: [number, string][] = [];
  for (const entry of readdirSync(outputDir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const match = /^checkpoint-(\d+)$/.exec(entry.name);
    if (!match) continue;
    const dir = join(outputDir, entry.name);
    if (existsSync(join(dir, STATE_FILE))) found.push([Number(match[1]), dir]);
  }
  return found.sort((a, b) => a[0] - b[0]);
}

/** The newest complete checkpoint's folder, or null. */
export function latestCheckpoint(outputDir: string): string | null {
  // A crash between a swap's two renames leaves the only copy of a step under its old name: put it back.
  if (existsSync(outputDir)) removeLeftovers(outputDir);
  const all = listCheckpoints(outputDir);
  return all.length === 0 ? null : all[all.length - 1][1];
}

/** Deletes the checkpoint folder of a finished run, with every checkpoint and any half-written one in it. */
export function deleteCheckpoints(checkpointDir: string): void {
  rmSync(checkpointDir, { recursive: true, force: true });
}

/** Deletes all but the newest `keep` checkpoints. */
export function pruneCheckpoints(outputDir: string, keep: number): void {
  const all = listCheckpoints(outputDir);
  for (const [, dir] of all.slice(0, Math.max(0, all.length - keep)))
    rmSync(dir, { recursive: true, force: true });
}

export function loadCheckpoint(dir: string): CheckpointContents {
  return readCheckpoint(dir, {
    pathOf: (name) => join(dir, name),
    read: (name) => (existsSync(join(dir, name)) ? readFileSync(join(dir, name)) : null),
  });
}

/** The checkpoints of the folder `dir` as a store; it loads any checkpoint folder by its path. */
export function folderCheckpoints(dir: string): CheckpointStore {
  return {
    where: dir,
    save: (payload, keep) => saveCheckpoint(dir, payload, keep),
    list: () => listCheckpoints(dir),
    latest: () => latestCheckpoint(dir),
    load: (id) => loadCheckpoint(id),
    prune: (keep) => pruneCheckpoints(dir, keep),
  };
}

/** Half-written folders of a run that died mid-save; they are never read, only cleared. */
function removeLeftovers(outputDir: string): void {
  for (const name of readdirSync(outputDir)) {
    if (name.startsWith(OLD_PREFIX)) {
      // A swap cut short between its two renames: the old copy is still the only one of its step.
      const step = /^\.old-checkpoint-(\d+)-/.exec(name)?.[1];
      const target = step === undefined ? null : join(outputDir, `${CHECKPOINT_PREFIX}${step}`);
      if (target && !existsSync(target)) renameSync(join(outputDir, name), target);
      else rmSync(join(outputDir, name), { recursive: true, force: true });
    } else if (name.startsWith(TEMP_PREFIX)) {
      rmSync(join(outputDir, name), { recursive: true, force: true });
    }
  }
}
