import type { RandomSource } from './random-source.js';
import { readLabelledFile, type LabelledReadOptions } from './readers/labelled-file.js';
import { splitLabelledFiles, type PreparedData } from './split-labelled.js';

export {
  preparedExamples,
  splitLabelledFiles,
  type FileSummary,
  type LabelledDataSummary,
  type PreparedData,
  type SplitLabelledOptions,
} from './split-labelled.js';

export interface PrepareOptions extends LabelledReadOptions {
  trainFile: string;
  validationFile?: string;
  testFile?: string;
  /** Fraction carved from the training file for validation when there is no validation file (0: none). */
  valSize: number;
  /** Fraction carved from the training file for testing when there is no test file. */
  testSize: number;
  seed: number;
  rng: RandomSource;
}

/**
 * Any labelled text data as train/val/test splits: the training file, and validation and test files
 * when given; what is missing is carved from the training file by a seeded stratified split
 * (multi-label rows stratified by their rarest label). The label map is built from the training split
 * (sorted names). The validation and test files are read with the columns the training file's choice settled on.
 */
export async function prepareLabelledData(options: PrepareOptions): Promise<PreparedData> {
  const train = await readLabelledFile(options.trainFile, options);
  const sameColumns = {
    format: options.format,
    skipEmpty: options.skipEmpty,
    multiLabel: options.multiLabel,
    labelSeparator: options.labelSeparator,
    allowEmptyLabels: options.allowEmptyLabels,
    textColumn: train.columns.text,
    labelColumn: train.columns.label,
    textPairColumn: train.columns.textPair,
  };
  const validation = options.validationFile
    ? await readLabelledFile(options.validationFile, sameColumns)
    : undefined;
  const test = options.testFile ? await readLabelledFile(options.testFile, sameColumns) : undefined;
  return splitLabelledFiles({ train, validation, test }, options);
}
