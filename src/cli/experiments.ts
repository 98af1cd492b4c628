import type { Command } from 'commander';
import { withTrainingSession } from './training-session.js';
import { PRESETS, METHODS, type PresetName } from '../experiments/presets.js';
import type { Method } from '../train/results.js';
import { ensureBaseModel } from './base-model.js';
import { addEngineOptions, withEngine, type EngineOptions } from './engine.js';
import { commaList, intInRange, oneOf } from './options.js';
import { requireFile } from '../data/csv.js';
import { UserError } from '../errors.js';
import { provenance } from './provenance.js';
import { EARLY_STOPPING_HELP, EARLY_STOPPING_OPTION } from './train-settings.js';
import { countOf } from '../report/format.js';
import {
  addColumnOptions,
  addMultiLabelOptions,
  addSplitFileOptions,
  addSplitSeedOption,
  addSplitSizeOptions,
  labelledFiles,
  refuseStrayFlags,
  type DataFileFlags,
} from './data-options.js';

interface ExperimentsFlags extends EngineOptions, DataFileFlags {
  input?: string;
  baseModel?: string;
  outputDir: string;
  preset: PresetName;
  seeds: number;
  firstSeed: number;
  methods: string[];
  resume?: boolean;
  keepCheckpoints?: boolean;
  maxSteps: number;
  gradientAccumulationSteps?: number;
  earlyStoppingPatience?: number;
  jobs?: number;
  quiet?: boolean;
}

export function registerExperiments(program: Command): void {
  const command = program
    .command('experiments')
    .description(
      'The whole study in one go: preprocess the complaints (or read your own labelled files: --train-file), train Small-BERT from scratch, bert-tiny fully fine-tuned and bert-tiny with LoRA (--methods picks), then write the comparison report.',
    )
    .option(
      '--input <csv>',
      'complaints CSV (default: data/raw/complaints.csv, else the shared copy, else a download); or else --train-file',
    );
  addSplitFileOptions(command);
  addColumnOptions(command);
  addMultiLabelOptions(command, 'trains');
  addSplitSizeOptions(command);
  addSplitSeedOption(command)
    .option(
      '--base-model <dir>',
      'pre-trained BERT directory (default: models/bert-tiny, else the shared bert-tiny-mlm, else a download of prajjwal1/bert-tiny)',
    )
    .option('--output-dir <dir>', 'where data, runs and the report go', 'runs/study')
    .option(
      '--preset <name>',
      `settings: ${Object.keys(PRESETS).join(' | ')}`,
      oneOf(Object.keys(PRESETS) as PresetName[]),
      'tuned',
    )
    .option(
      '--seeds <n>',
      'repeat every training with this many seeds (numbers become mean ± std)',
      intInRange(1, 100),
      1,
    )
    .option('--first-seed <n>', 'seed of the first repetition', intInRange(0, 2 ** 32 - 1), 42)
    .option('--methods <list>', 'which methods to run', commaList, [...METHODS])
    .option('--resume', 'keep finished runs (with results.json) and run only the rest')
    .option('--keep-checkpoints', "keep each finished run's checkpoints (by default they are deleted)")
    .option(
      '--max-steps <n>',
      'cap every training at N steps (a quick smoke run; 0: no cap)',
      intInRange(0),
      0,
    )
    .option(
      '--gradient-accumulation-steps <n>',
      "run each batch as N micro-batches and add up their gradients: the same update with less memory (default: the preset's, 1)",
      intInRange(1, 4096),
    )
    .option(EARLY_STOPPING_OPTION, `${EARLY_STOPPING_HELP} (default: the preset's)`, intInRange(0, 1000))
    .option(
      '--jobs <n>',
      'trainings at once, each on a worker thread with its share of the threads (default: 2 where there are 2 threads or more, else 1; two small models on one thread each finish sooner than one after the other on two)',
      intInRange(1, 64),
    )
    .option('--quiet', 'no progress output');
  addEngineOptions(command).action(async (flags: ExperimentsFlags, self: Command) => {
    const unknown = flags.methods.filter((m) => !(METHODS as readonly string[]).includes(m));
    if (unknown.length > 0) {
      throw new UserError(
        `--methods accepts ${METHODS.join(', ')}; ${unknown.join(', ')} is not one of them.`,
      );
    }
    if (flags.input !== undefined && flags.trainFile !== undefined) {
      throw new UserError(
        'Give either --train-file (your own labelled text) or --input (a CFPB complaints export), not both.',
      );
    }
    // A wrong --input or --train-file fails here, before the output folder is made.
    if (flags.input !== undefined) requireFile(flags.input);
    const { valSize, testSize } = PRESETS[flags.preset];
    const given = (key: string): boolean => self.getOptionValueSource(key) === 'cli';
    if (flags.trainFile === undefined)
      refuseStrayFlags(['threshold'], given, 'with --train-file and --multi-label');
    const dataFiles = labelledFiles(flags, { valSize, testSize }, given);
    const baseModel = await ensureBaseModel(flags.baseModel, flags.quiet);
    // Loaded on use: the runner brings the chart renderer, slow to load for every other command.
    const { runExperiments } = await import('../experiments/runner.js');
    await withEngine(flags, async (threads) => {
      const jobs = flags.jobs ?? (threads >= 2 ? 2 : 1);
      await withTrainingSession(
        {
          quiet: flags.quiet,
          interruptMessage:
            'Interrupted: saving a checkpoint; rerun with --resume to continue (Ctrl-C again to quit now)…',
        },
        async (session) => {
          let studyBarStarted = false;
          const outcome = await runExperiments({
            input: flags.input,
            dataFiles,
            baseModel,
            outputDir: flags.outputDir,
            preset: flags.preset,
            seeds: flags.seeds,
            firstSeed: flags.firstSeed,
            methods: flags.methods as Method[],
            skipCompleted: flags.resume,
            keepCheckpoints: flags.keepCheckpoints,
            maxSteps: flags.maxSteps,
            gradientAccumulationSteps: flags.gradientAccumulationSteps,
            earlyStoppingPatience: flags.earlyStoppingPatience,
            threshold: flags.threshold,
            threads,
            jobs,
            signal: session.signal,
            log: (line) => session.progress.log(line),
            onTrainStart: (label) => session.beginTraining(label),
            onProgress: (p, study) => session.onProgress(p, study),
            onStudyProgress: (update) => {
              if (!studyBarStarted) session.progress.start(`study, ${jobs} runs at once`, update.total);
              studyBarStarted = true;
              session.progress.update(update);
            },
            provenance: provenance(process.argv),
          });
          session.progress.stop();
          process.stdout.write(
            `Study finished: ${countOf(outcome.runs.length, 'run')}; report in ${flags.outputDir}/report.html and comparison.md\n`,
          );
        },
      );
    });
  });
}
