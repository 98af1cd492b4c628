import type { Command } from 'commander';
import { requireFile } from '../data/csv.js';
import { PREPROCESS_DEFAULTS, resolvePreprocessOptions } from '../data/preprocess.js';
import { UserError } from '../errors.js';
import type { LabelledFilesOptions } from '../experiments/train-run.js';
import { floatInRange, intInRange, parseFlag } from './options.js';

/**
 * The flags that name labelled data in files (CSV, TSV, JSON Lines, Parquet; gzip or not) and how to
 * read and split it. preprocess, train, evaluate, predict and experiments take them from here, so that
 * each flag means the same everywhere.
 */
export interface DataFileFlags {
  trainFile?: string;
  validationFile?: string;
  testFile?: string;
  textColumn?: string;
  textPairColumn?: string;
  labelColumn?: string;
  skipEmpty?: boolean;
  multiLabel?: boolean;
  labelSeparator?: string;
  allowEmptyLabels?: boolean;
  /** Multi-label: a label is predicted when its sigmoid probability reaches this. */
  threshold?: number;
  /** Raw strings: checked together (they must add up to less than 1) once all are known. */
  valSize?: string;
  testSize?: string;
  splitSeed?: number;
}

const FORMATS = '.csv, .tsv, .jsonl or .parquet, optionally .gz';

/** --train-file, --validation-file, --test-file. */
export function addSplitFileOptions(command: Command): Command {
  return command
    .option('--train-file <file>', `labelled text to train on: ${FORMATS}`)
    .option(
      '--validation-file <file>',
      'validation rows (default: carved from the training file by --val-size)',
    )
    .option('--test-file <file>', 'test rows (default: carved from the training file by --test-size)');
}

/** evaluate's --test-file, and --data-file, the same for a file that is not a test split. */
export function addScoreFileOptions(command: Command): Command {
  return command
    .option('--test-file <file>', `labelled text to score the model on: ${FORMATS}`)
    .option('--data-file <file>', 'the same as --test-file');
}

/** The file of --test-file or --data-file (one of them at most). */
export function scoreFile(flags: { testFile?: string; dataFile?: string }): string | undefined {
  if (flags.testFile !== undefined && flags.dataFile !== undefined) {
    throw new UserError('--test-file and --data-file are the same flag; give one.');
  }
  const path = flags.testFile ?? flags.dataFile;
  if (path !== undefined) requireFile(path, 'Test file');
  return path;
}

/** --text-column, --text-pair-column, --label-column (when the data is labelled) and --skip-empty. */
export function addColumnOptions(command: Command, options: { label: boolean } = { label: true }): Command {
  command
    .option(
      '--text-column <name>',
      'column of the text (default: text, else sentence, else the only text column)',
    )
    .option(
      '--text-pair-column <name>',
      'column of the second text of a sentence pair (NLI, paraphrase); the pair is encoded as [CLS] text [SEP] pair [SEP]',
    );
  if (options.label) {
    command.option(
      '--label-column <name>',
      'column of the label (default: label, else labels, category or class)',
    );
  }
  return command.option(
    '--skip-empty',
    options.label
      ? 'leave out rows with an empty text or no label (counted and reported) instead of refusing the file'
      : 'leave out rows with an empty text instead of refusing the file',
  );
}

/** The separator of a multi-label CSV/TSV cell ("billing,fraud") unless --label-separator names another. */
export const DEFAULT_LABEL_SEPARATOR = ',';

/**
 * --multi-label, --label-separator, --allow-empty-labels and --threshold, for a command that
 * `trains` (train, experiments: the flag decides), `splits` (preprocess: the same, without a
 * threshold), `scores` (evaluate: the model already knows, the
 * flag is a check) or `predicts` (predict: no labels to read; the separator joins a row's labels in a
 * CSV of predictions).
 */
export function addMultiLabelOptions(
  command: Command,
  role: 'trains' | 'splits' | 'scores' | 'predicts',
): Command {
  command.option(
    '--multi-label',
    role === 'trains' || role === 'splits'
      ? "each row has a set of labels (a JSON list in JSON Lines or Parquet, text split at --label-separator in CSV/TSV): one sigmoid per label with binary cross-entropy (transformers' multi_label_classification)"
      : 'the model is multi-label (it says so itself; the flag only checks it)',
  );
  command.option(
    '--label-separator <text>',
    role === 'predicts'
      ? `multi-label: what joins a row's labels in a .csv --output (default "${DEFAULT_LABEL_SEPARATOR}")`
      : `multi-label: what separates the labels in a CSV/TSV cell (default "${DEFAULT_LABEL_SEPARATOR}")`,
  );
  if (role !== 'predicts') {
    command.option(
      '--allow-empty-labels',
      'multi-label: a row without labels has none of them (an all-negative example) instead of being refused',
    );
  }
  // preprocess only writes splits: no decision to make.
  if (role === 'splits') return command;
  return command.option(
    '--threshold <p>',
    'multi-label: a label is predicted when its sigmoid probability reaches this (default 0.5)',
    floatInRange(0, 1, true),
  );
}

/** Flags that mean something only for multi-label data. */
const MULTI_LABEL_ONLY = ['labelSeparator', 'allowEmptyLabels', 'threshold'] as const;

/** --label-separator, --allow-empty-labels and --threshold without --multi-label are refused, not ignored. */
export function refuseStrayMultiLabelFlags(flags: DataFileFlags, given: (key: string) => boolean): void {
  if (flags.multiLabel) return requireSeparator(flags);
  refuseStrayFlags(MULTI_LABEL_ONLY, given, 'with --multi-label');
}

function requireSeparator(flags: DataFileFlags): void {
  if (flags.labelSeparator === '') throw new UserError('--label-separator cannot be empty.');
}

/**
 * evaluate's and predict's check of a loaded model against the multi-label flags: the model knows
 * whether it is multi-label, so --multi-label on a single-label one, or --threshold, --label-separator
 * and --allow-empty-labels for one, are refused rather than ignored.
 */
export function requireMultiLabelModel(flags: DataFileFlags, multiLabel: boolean, model: string): void {
  if (multiLabel) return requireSeparator(flags);
  const given = (['multiLabel', ...MULTI_LABEL_ONLY] as const).filter((key) => flags[key] !== undefined);
  if (given.length === 0) return;
  throw new UserError(
    `${given.map(flagName).join(', ')} ${given.length === 1 ? 'applies' : 'apply'} to a multi-label model only, and ${model} is a single-label classifier (its config.json or label_map.json says so).`,
  );
}

/**
 * --val-size and --test-size: with `defaults`, those; without, the command's own (experiments: the
 * preset's), said in the help.
 */
export function addSplitSizeOptions(
  command: Command,
  defaults?: { valSize: number; testSize: number },
): Command {
  const otherwise = '(default: the preset’s)';
  return command
    .option(
      '--val-size <x>',
      `fraction of the rows carved for validation (0: none); a --validation-file takes its place${defaults ? '' : ` ${otherwise}`}`,
      defaults ? String(defaults.valSize) : undefined,
    )
    .option(
      '--test-size <x>',
      `fraction of the rows carved for testing; a --test-file takes its place${defaults ? '' : ` ${otherwise}`}`,
      defaults ? String(defaults.testSize) : undefined,
    );
}

/** --split-seed: the carving's own seed, so that runs of several training seeds share one test split. */
export function addSplitSeedOption(command: Command): Command {
  return command.option(
    '--split-seed <n>',
    'seed of the stratified split that carves validation and test rows from the training file',
    intInRange(0, 0xffffffff),
    PREPROCESS_DEFAULTS.seed,
  );
}

/** `--text-pair-column` for `textPairColumn`. */
export const flagName = (key: string): string => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/**
 * Flags typed on the command line that mean nothing without another (`where`), refused rather than
 * ignored: "--text-column, --skip-empty only apply with --test-file."
 */
export function refuseStrayFlags(
  keys: readonly string[],
  given: (key: string) => boolean,
  where: string,
): void {
  const stray = keys.filter(given).map(flagName);
  if (stray.length === 0) return;
  throw new UserError(`${stray.join(', ')} only ${stray.length === 1 ? 'applies' : 'apply'} ${where}.`);
}

const SPLIT_FLAG_NAMES = {
  sampleFrac: '--sample-frac',
  classThreshold: '--class-threshold',
  minWords: '--min-text-length',
  testSize: '--test-size',
  valSize: '--val-size',
  seed: '--split-seed',
};

/** The two fractions, each in range and together below 1, in the flags' own words. */
export function resolveSplitSizes(
  flags: Pick<DataFileFlags, 'valSize' | 'testSize'>,
  defaults: { valSize: number; testSize: number },
  seedFlag = '--split-seed',
): { valSize: number; testSize: number } {
  const number = (flag: string, raw: string | undefined, fallback: number): number =>
    raw === undefined ? fallback : parseFlag(flag, raw, floatInRange(-Infinity, Infinity));
  const sizes = {
    valSize: number('--val-size', flags.valSize, defaults.valSize),
    testSize: number('--test-size', flags.testSize, defaults.testSize),
  };
  resolvePreprocessOptions(sizes, { ...SPLIT_FLAG_NAMES, seed: seedFlag });
  return sizes;
}

/** Flags that only mean something with --train-file. */
const WITH_TRAIN_FILE: readonly (keyof DataFileFlags)[] = [
  'validationFile',
  'testFile',
  'textColumn',
  'textPairColumn',
  'labelColumn',
  'skipEmpty',
  'multiLabel',
  'labelSeparator',
  'allowEmptyLabels',
  'valSize',
  'testSize',
  'splitSeed',
];

/**
 * The labelled files of train and experiments, checked before anything else is done (each must exist,
 * and flags that need --train-file have it); undefined without --train-file. `given` says which flags
 * were typed, as commander's getOptionValueSource does.
 */
export function labelledFiles(
  flags: DataFileFlags,
  defaults: { valSize: number; testSize: number },
  given: (key: string) => boolean,
): LabelledFilesOptions | undefined {
  if (flags.trainFile === undefined) {
    refuseStrayFlags(WITH_TRAIN_FILE, given, 'with --train-file (labelled text files)');
    return undefined;
  }
  refuseStrayMultiLabelFlags(flags, given);
  // Every file is checked before any is read, so a typo in the last one does not wait for the first.
  requireFile(flags.trainFile, 'Training file');
  if (flags.validationFile) requireFile(flags.validationFile, 'Validation file');
  if (flags.testFile) requireFile(flags.testFile, 'Test file');
  return {
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
    ...resolveSplitSizes(flags, defaults),
    seed: flags.splitSeed ?? PREPROCESS_DEFAULTS.seed,
  };
}
