import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { TRAIN_HASHES_FILE } from '../data/text-hashes.js';
import { UserError } from '../errors.js';

/** What a training run writes into its output folder; replacing a run removes these and nothing else. */
export const RUN_FILES = [
  'results.json',
  TRAIN_HASHES_FILE,
  'train.log',
  'checkpoints',
  'model',
  'adapter',
] as const;

/** The files of an earlier run in `dir` (names from RUN_FILES; an empty checkpoints folder does not count). */
export function previousRunFiles(dir: string): string[] {
  return RUN_FILES.filter((name) => {
    const path = join(dir, name);
    if (!existsSync(path)) return false;
    return name !== 'checkpoints' || readdirSync(path).length > 0;
  });
}

export interface OutputDirIntent {
  /** Continue the run in the folder from its newest checkpoint. */
  resume?: boolean;
  /** Replace the run in the folder. */
  overwrite?: boolean;
}

/**
 * A new run never mixes with an earlier one in the same folder (its train.log appended to, its
 * checkpoints resumed by mistake, its results silently replaced): it needs resume or overwrite.
 */
export function checkOutputDir(dir: string, intent: OutputDirIntent): void {
  if (intent.resume && intent.overwrite) {
    throw new UserError(
      '--resume continues the run in the output folder and --overwrite replaces it; choose one.',
    );
  }
  if (intent.resume || intent.overwrite) return;
  const found = previousRunFiles(resolve(dir));
  if (found.length > 0) {
    throw new UserError(
      `${dir} already holds a run (${found.join(', ')}); pass --resume to continue it, --overwrite to replace it, or choose another --output-dir.`,
    );
  }
}

/** Removes an earlier run's files from `dir`, leaving whatever else the folder holds. */
export function clearPreviousRun(dir: string): void {
  for (const name of RUN_FILES) rmSync(join(dir, name), { recursive: true, force: true });
}
