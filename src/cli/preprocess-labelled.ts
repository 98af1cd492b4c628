import { resolve } from 'node:path';
import { prepareLabelledData } from '../data/prepare-labelled.js';
import { formatLabelledSummary } from '../data/prepare-summary-text.js';
import { formatSplitFiles } from '../data/split-files.js';
import { requireFile } from '../data/csv.js';
import { writeNamedFiles } from '../io/named-files.js';
import { Rng } from '../tensor/random.js';
import { DEFAULT_LABEL_SEPARATOR } from './data-options.js';

export interface LabelledFlags {
  trainFile: string;
  validationFile?: string;
  testFile?: string;
  textColumn?: string;
  textPairColumn?: string;
  labelColumn?: string;
  skipEmpty?: boolean;
  multiLabel?: boolean;
  labelSeparator?: string;
  allowEmptyLabels?: boolean;
  outputDir: string;
  valSize: number;
  testSize: number;
  seed: number;
  quiet?: boolean;
}

/** `preprocess --train-file …`: any labelled text file into the splits `train --data-dir` reads. */
export async function preprocessLabelled(flags: LabelledFlags): Promise<void> {
  // Every file is checked before any is read, so a typo in the last one does not wait for the first.
  requireFile(flags.trainFile, 'Training file');
  if (flags.validationFile) requireFile(flags.validationFile, 'Validation file');
  if (flags.testFile) requireFile(flags.testFile, 'Test file');
  const prepared = await prepareLabelledData({
    trainFile: flags.trainFile,
    validationFile: flags.validationFile,
    testFile: flags.testFile,
    textColumn: flags.textColumn,
    textPairColumn: flags.textPairColumn,
    labelColumn: flags.labelColumn,
    skipEmpty: flags.skipEmpty,
    ...(flags.multiLabel
      ? {
          multiLabel: true,
          labelSeparator: flags.labelSeparator ?? DEFAULT_LABEL_SEPARATOR,
          allowEmptyLabels: flags.allowEmptyLabels === true,
        }
      : {}),
    valSize: flags.valSize,
    testSize: flags.testSize,
    seed: flags.seed,
    rng: new Rng(flags.seed),
  });
  const withVal = prepared.summary.sources.val !== 'none';
  const written = writeNamedFiles(flags.outputDir, formatSplitFiles(prepared, withVal, 'none'));
  if (!flags.quiet) {
    process.stdout.write(formatLabelledSummary(prepared.summary));
    process.stdout.write(
      `\nWrote ${written.map((p) => p.split(/[\\/]/).pop()).join(', ')} to ${resolve(flags.outputDir)}.\n`,
    );
  }
}
