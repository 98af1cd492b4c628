import type { Command } from 'commander';
import { PRESETS, METHODS, type MethodSettings, type PresetName } from '../experiments/presets.js';
import { EARLY_STOPPING_FLAG, type LoraSettings } from '../experiments/train-run.js';
import { SCHEDULE_KINDS, type ScheduleKind } from '../optim/schedule.js';
import type { Method } from '../train/results.js';
import { commaList, floatInRange, intInRange, oneOf, positiveFloat } from './options.js';

/** The preset `train` starts from: the tuned settings that the README's results come from. */
export const DEFAULT_PRESET: PresetName = 'tuned';

/** The flags a preset sets. Left undefined unless given, so that an explicit flag can win over the preset. */
export interface PresetFlags {
  preset: PresetName;
  epochs?: number;
  batchSize?: number;
  gradientAccumulationSteps?: number;
  lr?: number;
  maxLen?: number;
  weightDecay?: number;
  schedule?: ScheduleKind;
  warmupRatio?: number;
  earlyStoppingPatience?: number;
  loraR?: number;
  loraAlpha?: number;
  loraDropout?: number;
  loraTargets?: string[];
}

export interface TrainSettings extends Omit<MethodSettings, 'lora'> {
  lora: LoraSettings;
  preset: PresetName;
  /** The flags given explicitly, which replaced the preset's values. */
  presetOverrides: string[];
}

const FROM_PRESET = "(default: the preset's)";

export const EARLY_STOPPING_OPTION = `${EARLY_STOPPING_FLAG} <n>`;
export const EARLY_STOPPING_HELP =
  'stop once the validation F1 has not improved for N epochs in a row, keeping the best epoch (0: off; needs a validation split)';

/** --preset and the flags it sets; `--help` ends with each preset's values. */
export function addPresetOptions(command: Command): Command {
  return command
    .option(
      '--preset <name>',
      `starting settings for the chosen --method: ${Object.keys(PRESETS).join(' | ')}; flags given explicitly win`,
      oneOf(Object.keys(PRESETS) as PresetName[]),
      DEFAULT_PRESET,
    )
    .option('--epochs <n>', `training epochs ${FROM_PRESET}`, intInRange(1, 1000))
    .option('--batch-size <n>', `examples per step ${FROM_PRESET}`, intInRange(1, 4096))
    .option(
      '--gradient-accumulation-steps <n>',
      `run each batch as N micro-batches and add up their gradients: the same update with less memory ${FROM_PRESET}`,
      intInRange(1, 4096),
    )
    .option('--lr <rate>', `peak learning rate ${FROM_PRESET}`, positiveFloat)
    .option(
      '--max-len <n>',
      `longest sequence in tokens, [CLS] and [SEP] included ${FROM_PRESET}`,
      intInRange(8, 512),
    )
    .option('--weight-decay <w>', `AdamW's decoupled weight decay ${FROM_PRESET}`, floatInRange(0, 1))
    .option('--schedule <kind>', `${SCHEDULE_KINDS.join(' | ')} ${FROM_PRESET}`, oneOf(SCHEDULE_KINDS))
    .option('--warmup-ratio <r>', `fraction of steps spent warming up ${FROM_PRESET}`, floatInRange(0, 1))
    .option(EARLY_STOPPING_OPTION, `${EARLY_STOPPING_HELP} ${FROM_PRESET}`, intInRange(0, 1000))
    .option('--lora-r <n>', `LoRA rank ${FROM_PRESET}`, intInRange(1, 1024))
    .option('--lora-alpha <a>', `LoRA alpha, scaling = alpha / r ${FROM_PRESET}`, positiveFloat)
    .option('--lora-dropout <p>', `dropout on the LoRA input ${FROM_PRESET}`, floatInRange(0, 1))
    .option('--lora-targets <names>', `comma-separated module names to adapt ${FROM_PRESET}`, commaList)
    .addHelpText('after', presetHelp());
}

/** The chosen preset's settings for `method`, each replaced by its flag when that was given. */
export function trainSettings(method: Method, flags: PresetFlags): TrainSettings {
  const base = PRESETS[flags.preset].methods[method];
  // Only a LoRA run uses these; the other methods' presets carry none, so LoRA's own stand in.
  const lora = base.lora ?? PRESETS[flags.preset].methods.lora.lora!;
  const overrides: string[] = [];
  const pick = <T>(flag: string, given: T | undefined, preset: T): T => {
    if (given === undefined) return preset;
    overrides.push(flag);
    return given;
  };
  const settings: TrainSettings = {
    preset: flags.preset,
    lr: pick('--lr', flags.lr, base.lr),
    epochs: pick('--epochs', flags.epochs, base.epochs),
    batchSize: pick('--batch-size', flags.batchSize, base.batchSize),
    gradientAccumulationSteps: pick(
      '--gradient-accumulation-steps',
      flags.gradientAccumulationSteps,
      base.gradientAccumulationSteps,
    ),
    maxLen: pick('--max-len', flags.maxLen, base.maxLen),
    weightDecay: pick('--weight-decay', flags.weightDecay, base.weightDecay),
    schedule: pick('--schedule', flags.schedule, base.schedule),
    warmupRatio: pick('--warmup-ratio', flags.warmupRatio, base.warmupRatio),
    earlyStoppingPatience: pick(EARLY_STOPPING_FLAG, flags.earlyStoppingPatience, base.earlyStoppingPatience),
    lora: {
      r: pick('--lora-r', flags.loraR, lora.r),
      alpha: pick('--lora-alpha', flags.loraAlpha, lora.alpha),
      dropout: pick('--lora-dropout', flags.loraDropout, lora.dropout),
      targets: pick('--lora-targets', flags.loraTargets, lora.targets),
    },
    presetOverrides: overrides,
  };
  return settings;
}

function describeMethod(s: MethodSettings): string {
  const schedule =
    s.warmupRatio > 0 ? `${s.schedule} after ${s.warmupRatio * 100} % warm-up` : `${s.schedule} rate`;
  const lora = s.lora
    ? `; LoRA r ${s.lora.r}, alpha ${s.lora.alpha}, dropout ${s.lora.dropout}, on ${s.lora.targets?.join(',') ?? "the model's default targets (BERT's: query,value)"}`
    : '';
  const micro = s.gradientAccumulationSteps > 1 ? ` in ${s.gradientAccumulationSteps} micro-batches` : '';
  const stop = s.earlyStoppingPatience > 0 ? ` (early stopping, patience ${s.earlyStoppingPatience})` : '';
  return `lr ${s.lr < 0.01 ? s.lr.toExponential() : s.lr}, ${s.epochs} ${s.epochs === 1 ? 'epoch' : 'epochs'}${stop}, batch ${s.batchSize}${micro}, length ${s.maxLen}, weight decay ${s.weightDecay}, ${schedule}${lora}`;
}

function presetHelp(): string {
  const lines = [
    '',
    `Presets (--preset, default ${DEFAULT_PRESET}) set the flags above for the chosen --method; a flag given explicitly wins over its preset.`,
    "train keeps the best epoch on the data folder's val.csv when it has rows, whatever the preset (the reference preset's own runs had none).",
  ];
  for (const preset of Object.values(PRESETS)) {
    lines.push(`  ${preset.name}${preset.name === DEFAULT_PRESET ? ' (default)' : ''}:`);
    for (const method of METHODS)
      lines.push(`    ${method.padEnd(7)} ${describeMethod(preset.methods[method])}`);
  }
  return `${lines.join('\n')}\n`;
}
