import type { Command } from 'commander';
import { PREPROCESS_DEFAULTS } from '../data/preprocess.js';
import { UserError } from '../errors.js';
import {
  addColumnOptions,
  addMultiLabelOptions,
  addSplitFileOptions,
  addSplitSeedOption,
  addSplitSizeOptions,
  labelledFiles,
  type DataFileFlags,
} from './data-options.js';
import { withTrainingSession } from './training-session.js';
import { DEFAULT_SCRATCH_SHAPE, runTraining, testScores } from '../experiments/train-run.js';
import type { Method } from '../train/results.js';
import { addEngineOptions, withEngine, type EngineOptions } from './engine.js';
import { intInRange, oneOf } from './options.js';
import { ensureBaseModel } from './base-model.js';
import { checkOutputDir } from '../experiments/run-dir.js';
import { addPresetOptions, trainSettings, type PresetFlags } from './train-settings.js';

interface TrainFlags extends EngineOptions, PresetFlags, DataFileFlags {
  method: Method;
  dataDir?: string;
  outputDir: string;
  baseModel?: string;
  seed: number;
  maxSteps: number;
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  intermediateSize: number;
  saveSteps: number;
  saveTotalLimit: number;
  resume?: boolean;
  overwrite?: boolean;
  keepCheckpoints?: boolean;
  quiet?: boolean;
}

export function registerTrain(program: Command): void {
  const command = program
    .command('train')
    .description(
      'Train one classifier: Small-BERT from scratch, bert-tiny fully fine-tuned, or bert-tiny with LoRA.',
    )
    .requiredOption('--method <method>', 'scratch | full | lora', oneOf(['scratch', 'full', 'lora'] as const))
    .option(
      '--data-dir <dir>',
      'folder written by `lora-lab preprocess` (train.csv, val.csv, test.csv, label_map.json); or else --train-file',
    );
  addSplitFileOptions(command);
  addColumnOptions(command);
  addMultiLabelOptions(command, 'trains');
  addSplitSizeOptions(command, PREPROCESS_DEFAULTS);
  addSplitSeedOption(command)
    .requiredOption(
      '--output-dir <dir>',
      'where the model or adapter, results.json, train.log and checkpoints go',
    )
    .option(
      '--base-model <dir>',
      'pre-trained BERT directory (default: models/bert-tiny, else the shared bert-tiny-mlm, else a download of prajjwal1/bert-tiny)',
    );
  addPresetOptions(command)
    .option('--seed <n>', 'seed of the one random generator', intInRange(0, 2 ** 32 - 1), 42)
    .option('--max-steps <n>', 'stop after this many optimizer steps (0: run all epochs)', intInRange(0), 0)
    .option(
      '--hidden-size <n>',
      'Small-BERT hidden size (scratch)',
      intInRange(8, 4096),
      DEFAULT_SCRATCH_SHAPE.hiddenSize,
    )
    .option(
      '--num-layers <n>',
      'Small-BERT layers (scratch)',
      intInRange(1, 48),
      DEFAULT_SCRATCH_SHAPE.numLayers,
    )
    .option(
      '--num-heads <n>',
      'Small-BERT attention heads (scratch)',
      intInRange(1, 64),
      DEFAULT_SCRATCH_SHAPE.numHeads,
    )
    .option(
      '--intermediate-size <n>',
      'Small-BERT feed-forward size (scratch)',
      intInRange(8, 16384),
      DEFAULT_SCRATCH_SHAPE.intermediateSize,
    )
    .option(
      '--save-steps <n>',
      'also checkpoint every N optimizer steps (0: at epoch ends only)',
      intInRange(0),
      0,
    )
    .option('--save-total-limit <k>', 'keep the newest K checkpoints', intInRange(1), 2)
    .option('--resume', 'continue from the newest checkpoint in the output folder')
    .option('--overwrite', 'replace the run already in the output folder (only the files a run writes)')
    .option('--keep-checkpoints', 'keep the checkpoints of a run that finished (by default they are deleted)')
    .option('--quiet', 'no progress output');
  addEngineOptions(command).action(async (flags: TrainFlags, self: Command) => {
    if ((flags.trainFile === undefined) === (flags.dataDir === undefined)) {
      throw new UserError(
        'Give the data either with --train-file (a labelled text file) or with --data-dir (a folder preprocess wrote), not both and not neither.',
      );
    }
    const given = (key: string): boolean => self.getOptionValueSource(key) === 'cli';
    const dataFiles = labelledFiles(flags, PREPROCESS_DEFAULTS, given);
    // A folder holding another run is refused before anything is loaded or downloaded.
    checkOutputDir(flags.outputDir, flags);
    const settings = trainSettings(flags.method, flags);
    const base = await ensureBaseModel(flags.baseModel, flags.quiet);
    await withEngine(flags, async (threads) => {
      await withTrainingSession(
        {
          quiet: flags.quiet,
          interruptMessage: 'Interrupted: saving a checkpoint (Ctrl-C again to quit now)…',
        },
        async (session) => {
          session.beginTraining(`train ${flags.method}`);
          const results = await runTraining({
            method: flags.method,
            dataDir: flags.dataDir,
            dataFiles,
            outputDir: flags.outputDir,
            baseModel: base.path,
            baseModelDescription: base.description,
            ...settings,
            seed: flags.seed,
            maxSteps: flags.maxSteps,
            scratch: {
              hiddenSize: flags.hiddenSize,
              numLayers: flags.numLayers,
              numHeads: flags.numHeads,
              intermediateSize: flags.intermediateSize,
            },
            saveSteps: flags.saveSteps,
            saveTotalLimit: flags.saveTotalLimit,
            threshold: flags.threshold,
            resume: flags.resume,
            keepCheckpoints: flags.keepCheckpoints,
            signal: session.signal,
            threads,
            log: (line) => session.progress.log(line),
            onProgress: (p) => session.onProgress(p),
          });
          session.progress.stop();
          process.stdout.write(
            `${results.name}: test ${testScores(results.test)}; ${results.trainable_params.toLocaleString('en-US')} trainable parameters; ` +
              `results in ${flags.outputDir}/results.json\n`,
          );
        },
      );
    });
  });
}
