import { UserError } from '../errors.js';
import {
  checkpointFiles,
  readCheckpoint,
  type CheckpointContents,
  type CheckpointPayload,
} from './checkpoint-format.js';

/**
 * Where a training run keeps its checkpoints: a folder on disk (checkpoint.ts's folderCheckpoints) or
 * memory (memoryCheckpoints, which a browser page copies into its own storage). A checkpoint is named by
 * an id: the folder's path, or `checkpoint-<step>` in memory.
 */
export interface CheckpointStore {
  /** The store, for messages (a folder's path). */
  readonly where: string;
  /** Saves a checkpoint, then keeps only the newest `keep` ones (all when keep is absent or ≤ 0); returns its id. */
  save(payload: CheckpointPayload, keep?: number): string;
  /** The complete checkpoints, oldest first, as [step, id]. */
  list(): [number, string][];
  /** The newest complete checkpoint's id, or null. */
  latest(): string | null;
  load(id: string): CheckpointContents;
  /** Deletes all but the newest `keep` checkpoints. */
  prune(keep: number): void;
}

/** A checkpoint's files by name (checkpoint-format.ts): what a memory store holds for each. */
export type CheckpointFileMap = Map<string, Uint8Array>;

export interface MemoryCheckpointStore extends CheckpointStore {
  /** The files of checkpoint `id` (to copy them elsewhere), or null when there is none. */
  files(id: string): CheckpointFileMap | null;
  /** Puts back a checkpoint copied out with `files` (after a page reload, say). */
  restore(step: number, files: CheckpointFileMap): string;
}

const encoder = new TextEncoder();

/** Checkpoints kept in memory as their files, so that they can be copied out whole. */
export function memoryCheckpoints(where = 'memory'): MemoryCheckpointStore {
  const byStep = new Map<number, CheckpointFileMap>();
  const idOf = (step: number): string => `checkpoint-${step}`;
  const stepOf = (id: string): number => {
    const match = /^checkpoint-(\d+)$/.exec(id);
    if (!match || !byStep.has(Number(match[1])))
      throw new UserError(`There is no checkpoint ${id} in ${where}.`);
    return Number(match[1]);
  };
  const steps = (): number[] => [...byStep.keys()].sort((a, b) => a - b);
  const store: MemoryCheckpointStore = {
    where,
    save(payload, keep) {
      const files: CheckpointFileMap = new Map();
      for (const [name, bytes] of checkpointFiles(payload))
        files.set(name, typeof bytes === 'string' ? encoder.encode(bytes) : bytes.slice());
      const id = store.restore(payload.state.global_step, files);
      if (keep !== undefined && keep > 0) store.prune(keep);
      return id;
    },
    list: () => steps().map((step) => [step, idOf(step)]),
    latest() {
      const all = steps();
      return all.length === 0 ? null : idOf(all[all.length - 1]!);
    },
    load(id) {
      const files = byStep.get(stepOf(id))!;
      return readCheckpoint(id, {
        pathOf: (name) => `${id}/${name}`,
        read: (name) => files.get(name) ?? null,
      });
    },
    prune(keep) {
      const all = steps();
      for (const step of all.slice(0, Math.max(0, all.length - keep))) byStep.delete(step);
    },
    files: (id) => {
      const match = /^checkpoint-(\d+)$/.exec(id);
      return match ? (byStep.get(Number(match[1])) ?? null) : null;
    },
    restore(step, files) {
      byStep.set(step, files);
      return idOf(step);
    },
  };
  return store;
}
