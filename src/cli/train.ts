import type { Command } from 'commander';
import { withTrainingSession } from './training-session.js';
import { DEFAULT_SCRATCH_SHAPE, runTraining } from '../experiments/train-run.js';
import type { Method } from '../train/results.js';
import type { ScheduleKind } from '../optim/schedule.js';
import { addEngineOptions, withEngine, type EngineOptions } from './engine.js';
import { commaList, floatInRange, intInRange, oneOf, positiveFloat } from './options.js';
import { ensureBaseModel } from './base-model.js';

interface TrainFlags extends EngineOptions {
  method: Method;
  dataDir: string;
  outputDir: string;
  baseModel?: string;
  epochs: number;
  batchSize: number;
  lr?: number;
  maxLen: number;
  weightDecay: number;
  schedule: ScheduleKind;
  warmupRatio: number;
  seed: number;
  maxSteps: number;
  loraR: number;
  loraAlpha: number;
  loraDropout: number;
  loraTargets: string[];
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  intermediateSize: number;
  saveSteps: number;
  saveTotalLimit: number;
  resume?: boolean;
  quiet?: boolean;
}

/** The study's learning rates per method when --lr is not given: the better ones of the PyTorch reference. */
const DEFAULT_LR: Record<Method, number> = { scratch: 1e-4, full: 1e-4, lora: 1e-3 };

export function registerTrain(program: Command): void {
  const command = program
    .command('train')
    .description(
      'Train one classifier: Small-BERT from scratch, bert-tiny fully fine-tuned, or bert-tiny with LoRA.',
    )
    .requiredOption('--method <method>', 'scratch | full | lora', oneOf(['scratch', 'full', 'lora'] as const))
    .requiredOption(
      '--data-dir <dir>',
      'folder written by `lora-lab preprocess` (train.csv, val.csv, test.csv, label_map.json)',
    )
    .requiredOption(
      '--output-dir <dir>',
      'where the model or adapter, results.json, train.log and checkpoints go',
    )
    .option(
      '--base-model <dir>',
      'pre-trained BERT directory (default: models/bert-tiny, else the shared bert-tiny-mlm, else a download of prajjwal1/bert-tiny)',
    )
    .option('--epochs <n>', 'training epochs', intInRange(1, 1000), 3)
    .option('--batch-size <n>', 'examples per step', intInRange(1, 4096), 16)
    .option('--lr <rate>', 'peak learning rate (default: scratch 1e-4, full 1e-4, lora 1e-3)', positiveFloat)
    .option('--max-len <n>', 'longest sequence in tokens, [CLS] and [SEP] included', intInRange(8, 512), 128)
    .option('--weight-decay <w>', "AdamW's decoupled weight decay", floatInRange(0, 1), 0.01)
    .option(
      '--schedule <kind>',
      'constant | linear | constant_with_warmup',
      oneOf(['constant', 'linear', 'constant_with_warmup'] as const),
      'constant',
    )
    .option('--warmup-ratio <r>', 'fraction of steps spent warming up', floatInRange(0, 1), 0)
    .option('--seed <n>', 'seed of the one random generator', intInRange(0, 2 ** 32 - 1), 42)
    .option('--max-steps <n>', 'stop after this many optimizer steps (0: run all epochs)', intInRange(0), 0)
    .option('--lora-r <n>', 'LoRA rank', intInRange(1, 1024), 8)
    .option('--lora-alpha <a>', 'LoRA alpha (scaling = alpha / r)', positiveFloat, 32)
    .option('--lora-dropout <p>', 'dropout on the LoRA input', floatInRange(0, 1), 0.1)
    .option('--lora-targets <names>', 'comma-separated module names to adapt', commaList, ['query', 'value'])
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
    .option('--quiet', 'no progress output');
  addEngineOptions(command).action(async (flags: TrainFlags) => {
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
            outputDir: flags.outputDir,
            baseModel: base.path,
            baseModelDescription: base.description,
            epochs: flags.epochs,
            batchSize: flags.batchSize,
            lr: flags.lr ?? DEFAULT_LR[flags.method],
            maxLen: flags.maxLen,
            weightDecay: flags.weightDecay,
            schedule: flags.schedule,
            warmupRatio: flags.warmupRatio,
            seed: flags.seed,
            maxSteps: flags.maxSteps,
            lora: {
              r: flags.loraR,
              alpha: flags.loraAlpha,
              dropout: flags.loraDropout,
              targets: flags.loraTargets,
            },
            scratch: {
              hiddenSize: flags.hiddenSize,
              numLayers: flags.numLayers,
              numHeads: flags.numHeads,
              intermediateSize: flags.intermediateSize,
            },
            saveSteps: flags.saveSteps,
            saveTotalLimit: flags.saveTotalLimit,
            resume: flags.resume,
            signal: session.signal,
            threads,
            log: (line) => session.progress.log(line),
            onProgress: (p) => session.onProgress(p),
          });
          session.progress.stop();
          const t = results.test;
          process.stdout.write(
            `${results.name}: test accuracy ${t.accuracy.toFixed(4)}, F1 weighted ${t.f1_weighted.toFixed(4)}, ` +
              `F1 macro ${t.f1_macro.toFixed(4)}; ${results.trainable_params.toLocaleString('en-US')} trainable parameters; ` +
              `results in ${flags.outputDir}/results.json\n`,
          );
        },
      );
    });
  });
}
