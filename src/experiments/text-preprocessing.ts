import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readTextCleaning, TEXT_PREPROCESSING_FILE, type TextCleaning } from '../data/split-files.js';
import { writeJsonAtomic } from '../io/atomic-write.js';
import { cleanText } from '../text/clean.js';

/**
 * Records, in the model or adapter folder a run saved, how the training texts were cleaned, so that
 * predict, evaluate and a server feed the model the same way wherever the folder is copied. (Not in the
 * run's folder itself: that may be a data folder, which has a record of its own.)
 */
export function writeTextPreprocessing(runDir: string, cleaning: TextCleaning): void {
  for (const dir of [join(runDir, 'model'), join(runDir, 'adapter')]) {
    if (existsSync(dir)) writeJsonAtomic(join(dir, TEXT_PREPROCESSING_FILE), { text_cleaning: cleaning });
  }
}

/**
 * The cleaning a classifier was trained with: the adapter's record first, then the model's. A model
 * made elsewhere (no record) gets its texts as given.
 */
export function recordedTextCleaning(folders: readonly (string | undefined)[]): TextCleaning {
  for (const dir of folders) {
    if (dir !== undefined && existsSync(join(dir, TEXT_PREPROCESSING_FILE))) return readTextCleaning(dir);
  }
  return 'none';
}

/** The texts as the model was trained to see them. */
export function applyTextCleaning(texts: readonly string[], cleaning: TextCleaning): string[] {
  return cleaning === 'cfpb' ? texts.map(cleanText) : [...texts];
}
