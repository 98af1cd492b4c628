import { resolve } from 'node:path';
import type { Command } from 'commander';
import { UserError } from '../errors.js';
import {
  preprocessComplaints,
  PREPROCESS_DEFAULTS,
  resolvePreprocessOptions,
  type PreprocessOptionNames,
} from '../data/preprocess.js';
import { formatPreprocessedFiles } from '../data/split-files.js';
import { formatSummary } from '../data/summary-text.js';
import { writeNamedFiles } from '../io/named-files.js';
import { Rng } from '../tensor/random.js';
import { floatInRange, intInRange, parseFlag } from './options.js';
import { createProgress } from './progress.js';
import { preprocessLabelled } from './preprocess-labelled.js';
import {
  addColumnOptions,
  addMultiLabelOptions,
  refuseStrayMultiLabelFlags,
  addSplitFileOptions,
  addSplitSizeOptions,
  flagName,
  resolveSplitSizes,
  type DataFileFlags,
} from './data-options.js';

interface PreprocessFlags extends Omit<DataFileFlags, 'valSize' | 'testSize' | 'splitSeed'> {
  input?: string;
  recipe?: string;
  outputDir: string;
  sampleFrac: string;
  classThreshold: string;
  minTextLength: string;
  testSize: string;
  valSize: string;
  seed: string;
  quiet?: boolean;
}

const PREPROCESS_FLAG_NAMES: PreprocessOptionNames = {
  sampleFrac: '--sample-frac',
  classThreshold: '--class-threshold',
  minWords: '--min-text-length',
  testSize: '--test-size',
  valSize: '--val-size',
  seed: '--seed',
};

// Files smaller than this are read in well under a second: no progress bar.
const PROGRESS_MIN_BYTES = 32e6;

export function registerPreprocess(program: Command): void {
  const command = program
    .command('preprocess')
    .description(
      "Labelled text into train.csv, val.csv, test.csv (text,label), label_map.json and summary.json: any CSV, TSV, JSON Lines or Parquet file (--train-file, optionally gzip), or a CFPB complaints export cleaned, filtered and merged the study's way (--input, or --recipe cfpb).",
    );
  addSplitFileOptions(command);
  addColumnOptions(command);
  addMultiLabelOptions(command, 'splits')
    .option(
      '--recipe <name>',
      "cfpb: the CFPB study's cleaning, class merge and filters (what --input implies)",
    )
    .option(
      '--input <csv>',
      'a CFPB complaints CSV (the export, or what download-data wrote): the cfpb recipe',
    )
    .requiredOption('--output-dir <dir>', 'folder for the splits, label map and summary')
    .option(
      '--sample-frac <x>',
      'fraction of the rows to keep, in (0, 1]',
      String(PREPROCESS_DEFAULTS.sampleFrac.toFixed(1)),
    )
    .option(
      '--class-threshold <n>',
      'drop classes with fewer rows than this',
      String(PREPROCESS_DEFAULTS.classThreshold),
    )
    .option(
      '--min-text-length <words>',
      'drop cleaned narratives with fewer words than this',
      String(PREPROCESS_DEFAULTS.minWords),
    );
  addSplitSizeOptions(command, PREPROCESS_DEFAULTS)
    .option('--seed <n>', 'seed of the sample and the split', String(PREPROCESS_DEFAULTS.seed))
    .option('--quiet', 'print nothing but errors')
    .action(async (flags: PreprocessFlags, command: Command) => {
      const input = chooseInput(flags, command);
      if (input.kind === 'labelled') {
        refuseStrayMultiLabelFlags(flags, (key) => command.getOptionValueSource(key) === 'cli');
        await preprocessLabelled({
          ...flags,
          trainFile: input.path,
          ...resolveSplitSizes(flags, PREPROCESS_DEFAULTS, '--seed'),
          seed: parseFlag('--seed', flags.seed, intInRange(0, 0xffffffff)),
        });
        return;
      }
      const options = {
        sampleFrac: parseFlag('--sample-frac', flags.sampleFrac, floatInRange(-Infinity, Infinity)),
        classThreshold: parseFlag('--class-threshold', flags.classThreshold, intInRange(1)),
        minWords: parseFlag('--min-text-length', flags.minTextLength, intInRange(0)),
        testSize: parseFlag('--test-size', flags.testSize, floatInRange(0, 1, true)),
        valSize: parseFlag('--val-size', flags.valSize, floatInRange(-Infinity, Infinity)),
        seed: parseFlag('--seed', flags.seed, intInRange(0, 0xffffffff)),
      };
      // Ranges are checked before the file is read, in the flags' own names.
      resolvePreprocessOptions(options, PREPROCESS_FLAG_NAMES);
      const progress = createProgress({ quiet: flags.quiet });
      let shown = false;
      let lastRead = 0;
      let result;
      try {
        result = await preprocessComplaints(input.path, {
          ...options,
          rng: new Rng(options.seed),
          onProgress: (read, total) => {
            if (total < PROGRESS_MIN_BYTES) return;
            // With --sample-frac below 1 the file is read twice (count, then sample).
            if (!shown || read < lastRead) {
              if (shown) progress.stop();
              progress.start(shown ? 'Sampling (MB)' : 'Reading (MB)', Math.ceil(total / 1e6));
              shown = true;
            }
            lastRead = read;
            progress.update({ done: Math.floor(read / 1e6), total: Math.ceil(total / 1e6) });
          },
        });
      } finally {
        progress.stop();
      }
      const written = writeNamedFiles(flags.outputDir, formatPreprocessedFiles(result));
      if (!flags.quiet) {
        process.stdout.write(formatSummary(result.summary));
        process.stdout.write(
          `\nWrote ${written.map((p) => p.split(/[\\/]/).pop()).join(', ')} to ${resolve(flags.outputDir)}.\n`,
        );
      }
    });
}

const RECIPE_ONLY_FLAGS = ['sampleFrac', 'classThreshold', 'minTextLength'] as const;
const LABELLED_ONLY_FLAGS = [
  'validationFile',
  'testFile',
  'textColumn',
  'textPairColumn',
  'labelColumn',
  'skipEmpty',
  'multiLabel',
  'labelSeparator',
  'allowEmptyLabels',
] as const;

/**
 * Which way the data comes in: a labelled-text file (--train-file) or a CFPB export through the study's
 * recipe (--input, or --recipe cfpb with --train-file). Flags of the other way are refused, not ignored.
 */
function chooseInput(flags: PreprocessFlags, command: Command): { kind: 'labelled' | 'cfpb'; path: string } {
  if (flags.recipe !== undefined && flags.recipe !== 'cfpb') {
    throw new UserError(`--recipe accepts cfpb (the CFPB study's pipeline); got "${flags.recipe}".`);
  }
  if (flags.input !== undefined && flags.trainFile !== undefined) {
    throw new UserError('Give either --train-file (any labelled text) or --input (a CFPB export), not both.');
  }
  const path = flags.trainFile ?? flags.input;
  if (path === undefined) {
    throw new UserError(
      'Give --train-file with a labelled text file (CSV, TSV, JSON Lines or Parquet), or --input with a CFPB complaints export.',
    );
  }
  const kind = flags.input !== undefined || flags.recipe === 'cfpb' ? 'cfpb' : 'labelled';
  const given = (keys: readonly string[]): string[] =>
    keys.filter((k) => command.getOptionValueSource(k) === 'cli').map(flagName);
  const misplaced = kind === 'cfpb' ? given(LABELLED_ONLY_FLAGS) : given(RECIPE_ONLY_FLAGS);
  if (misplaced.length > 0) {
    const where = kind === 'cfpb' ? 'with --train-file (without --recipe)' : 'with the cfpb recipe (--input)';
    throw new UserError(`${misplaced.join(', ')} only apply ${where}.`);
  }
  return { kind, path };
}
