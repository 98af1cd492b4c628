import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { readTrainHashes, TRAIN_HASHES_FILE, trainHashesJson } from '../data/text-hashes.js';
import { writeJsonAtomic } from '../io/atomic-write.js';

/**
 * Records what a run was trained on (train_hashes.json) in the run's folder and in the model or adapter
 * folder it saved, so that `evaluate --model` or `--adapter` finds it wherever the folder is copied.
 */
export function writeTrainingRecord(runDir: string, trainTexts: readonly string[]): void {
  const json = trainHashesJson(trainTexts);
  for (const dir of [runDir, join(runDir, 'model'), join(runDir, 'adapter')]) {
    if (existsSync(dir)) writeJsonAtomic(join(dir, TRAIN_HASHES_FILE), json);
  }
}

export interface TrainingRecord {
  /** Hashes of every text the model (and its adapter) was trained on. */
  hashes: Set<string>;
  /** The train_hashes.json files read. */
  files: string[];
}

/**
 * The training texts' hashes of a model and its adapter: train_hashes.json in each folder, else in the
 * run folder above it. A model fine-tuned fully and then adapted has seen both sets; null when neither
 * folder has a record (a model trained elsewhere).
 */
export function findTrainingRecord(folders: readonly (string | undefined)[]): TrainingRecord | null {
  const hashes = new Set<string>();
  const files: string[] = [];
  for (const folder of folders) {
    if (folder === undefined) continue;
    for (const dir of [resolve(folder), dirname(resolve(folder))]) {
      const path = join(dir, TRAIN_HASHES_FILE);
      const found = readTrainHashes(path);
      if (found === null) continue;
      for (const h of found) hashes.add(h);
      files.push(path);
      break;
    }
  }
  return files.length > 0 ? { hashes, files } : null;
}
