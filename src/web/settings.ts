import { PRESETS } from '../experiments/presets.js';
import type { RunSettings } from './protocol.js';

/** The form's defaults: the tuned preset's LoRA settings (README, "Tuning"); the columns come from the data. */
export function defaultSettings(): Omit<RunSettings, 'textColumn' | 'labelColumn' | 'targets'> {
  const preset = PRESETS.tuned;
  const lora = preset.methods.lora;
  return {
    r: lora.lora!.r,
    alpha: lora.lora!.alpha,
    dropout: lora.lora!.dropout,
    lr: lora.lr,
    epochs: lora.epochs,
    earlyStoppingPatience: lora.earlyStoppingPatience ?? 0,
    batchSize: lora.batchSize,
    maxLen: lora.maxLen,
    weightDecay: lora.weightDecay,
    warmupRatio: lora.warmupRatio,
    valSize: preset.valSize,
    testSize: preset.testSize,
    seed: 42,
    saveSteps: 20,
  };
}

/** The form's fields by input id, and the setting each one fills. */
export const NUMBER_FIELDS = {
  r: 'r',
  alpha: 'alpha',
  dropout: 'dropout',
  lr: 'lr',
  epochs: 'epochs',
  patience: 'earlyStoppingPatience',
  'batch-size': 'batchSize',
  'max-len': 'maxLen',
  'val-size': 'valSize',
  'test-size': 'testSize',
  seed: 'seed',
} as const satisfies Record<string, keyof RunSettings>;
