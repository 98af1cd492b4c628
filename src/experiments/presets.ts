import type { ScheduleKind } from '../optim/schedule.js';
import type { Method } from '../train/results.js';
import type { LoraSettings } from './train-run.js';

/** The settings of one method within a preset. */
export interface MethodSettings {
  lr: number;
  epochs: number;
  batchSize: number;
  /** Micro-batches per batch, their gradients accumulated: the same update, less memory (1: none). */
  gradientAccumulationSteps: number;
  maxLen: number;
  weightDecay: number;
  schedule: ScheduleKind;
  warmupRatio: number;
  /** Stop after this many epochs without a better validation F1 (0: train every epoch). */
  earlyStoppingPatience: number;
  lora?: LoraSettings;
}

export interface Preset {
  name: PresetName;
  description: string;
  /** Fraction of the data held out for choosing the best epoch (0: none, the last epoch is kept). */
  valSize: number;
  testSize: number;
  methods: Record<Method, MethodSettings>;
}

export type PresetName = 'tuned' | 'study' | 'reference';

// Targets null: the base model family's default (BERT's query and value, as in the study; DistilBERT's q_lin, v_lin …).
const studyLora: LoraSettings = { r: 8, alpha: 32, dropout: 0.1, targets: null };
/** The PyTorch reference trained its LoRA runs without LoRA dropout (../shared/anchors). */
const referenceLora: LoraSettings = { ...studyLora, dropout: 0 };

/** One method's settings; every preset trains with batch 16 in one piece and AdamW's weight decay 0.01. */
function method(
  lr: number,
  epochs: number,
  maxLen: number,
  schedule: ScheduleKind = 'constant',
  warmupRatio = 0,
  lora?: LoraSettings,
): MethodSettings {
  return {
    lr,
    epochs,
    maxLen,
    schedule,
    warmupRatio,
    weightDecay: 0.01,
    batchSize: 16,
    gradientAccumulationSteps: 1,
    earlyStoppingPatience: 0,
    ...(lora ? { lora } : {}),
  };
}

/** The published study's settings (its learning rates, LoRA r 8 alpha 32, batch 16, 3 epochs, length 512). */
const STUDY: Preset = {
  name: 'study',
  description:
    "the study's own settings: lr 5e-5 / 2e-5 / 2e-5, LoRA r 8 alpha 32, batch 16, 3 epochs, max length 512",
  valSize: 0.1,
  testSize: 0.2,
  methods: {
    scratch: method(5e-5, 3, 512),
    full: method(2e-5, 3, 512),
    lora: method(2e-5, 3, 512, 'constant', 0, studyLora),
  },
};

/**
 * Exactly the PyTorch reference runs of ../shared/anchors (their better learning rates, length 128, no
 * validation split, constant rate): our numbers are held against theirs with this preset.
 */
const REFERENCE: Preset = {
  name: 'reference',
  description:
    'the PyTorch reference setup: lr 1e-4 / 1e-4 / 1e-3, LoRA r 8 alpha 32 without LoRA dropout, batch 16, 3 epochs, max length 128, no validation split',
  valSize: 0,
  testSize: 0.2,
  methods: {
    scratch: method(1e-4, 3, 128),
    full: method(1e-4, 3, 128),
    lora: method(1e-3, 3, 128, 'constant', 0, referenceLora),
  },
};

/**
 * Chosen by a search on the validation split (scripts/device/tune_search.py, its runs and ranking in
 * docs/tuning/): 200 runs over learning rate, epochs and length, 3 seeds each, in three rounds (the
 * third tried longer LoRA schedules); for each method the cheapest setting within 0.005 of the best mean
 * validation F1. README, "Tuning", gives the numbers.
 */
const TUNED: Preset = {
  name: 'tuned',
  description:
    'lr 3e-4 / 5e-4 / 2e-3, 5 / 8 / 45 epochs (LoRA stopping early after 6 without a better val F1), linear decay after 10 % warm-up, LoRA r 8 alpha 32, batch 16, max length 128, best epoch on validation',
  valSize: 0.1,
  testSize: 0.2,
  methods: {
    scratch: method(3e-4, 5, 128, 'linear', 0.1),
    full: method(5e-4, 8, 128, 'linear', 0.1),
    // Early stopping, patience 6: on 3 Dec's native run (docs/results/2026-12-03-study-native) the val F1
    // last improves at epoch 34 and never again within 6 epochs, so LoRA stops at 40 of 45 with the same
    // best epoch and test F1; patience 5 would stop at epoch 26 (best 21), which was not measured.
    lora: { ...method(2e-3, 45, 128, 'linear', 0.1, studyLora), earlyStoppingPatience: 6 },
  },
};

export const PRESETS: Record<PresetName, Preset> = { tuned: TUNED, study: STUDY, reference: REFERENCE };
export const METHODS: readonly Method[] = ['scratch', 'full', 'lora'];
