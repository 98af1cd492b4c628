import { resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
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
import { floatInRange, intInRange } from './options.js';
import { createProgress } from './progress.js';

interface PreprocessFlags {
  input: string;
  outputDir: string;
  sampleFrac: string;
  classThreshold: string;
  minTextLength: string;
  testSize: string;
  valSize: string;
  seed: string;
  quiet?: boolean;
}

/**
 * A flag's value through one of the shared parsers, its complaint turned into a UserError that
 * names the flag: "--test-size must be between 0 and 1 (exclusive), got 1.5."
 */
export function parseFlag<T>(flag: string, raw: string, parser: (value: string) => T): T {
  try {
    return parser(raw);
  } catch (error) {
    if (error instanceof InvalidArgumentError) {
      const reason = error.message.replace(/^expected /, 'must be ');
      throw new UserError(`${flag} ${reason}`);
    }
    throw error;
  }
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
  program
    .command('preprocess')
    .description(
      "Clean, filter, label and split a CFPB complaints CSV the study's way: writes train.csv, val.csv, test.csv (text,label), label_map.json and summary.json.",
    )
    .requiredOption('--input <csv>', 'complaints CSV: the CFPB export or what download-data wrote')
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
    )
    .option(
      '--test-size <x>',
      'fraction of all rows for the test split',
      String(PREPROCESS_DEFAULTS.testSize),
    )
    .option(
      '--val-size <x>',
      'fraction of all rows for the validation split (0: none)',
      String(PREPROCESS_DEFAULTS.valSize),
    )
    .option('--seed <n>', 'seed of the sample and the split', String(PREPROCESS_DEFAULTS.seed))
    .option('--quiet', 'print nothing but errors')
    .action(async (flags: PreprocessFlags) => {
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
        result = await preprocessComplaints(flags.input, {
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
