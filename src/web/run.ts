import { UserError } from '../errors.js';
import { LabelMap } from '../data/label-map.js';
import { tokenizeDataset, type TokenizedDataset } from '../data/dataset.js';
import { labelledRows, type LabelledReadOptions } from '../data/readers/labelled-rows.js';
import type { Table } from '../data/readers/table-format.js';
import { preparedExamples, splitLabelledFiles } from '../data/split-labelled.js';
import { predictTexts, type Prediction } from '../experiments/predict-texts.js';
import { loadSequenceClassifierFrom } from '../io/classifier-files.js';
import { peftAdapterFiles } from '../io/peft-adapter-files.js';
import { createLoraConfig } from '../lora/config.js';
import { applyLora } from '../lora/inject.js';
import { MULTI_LABEL, SINGLE_LABEL } from '../models/common/problem-type.js';
import type { SequenceClassifier } from '../models/family.js';
import { familyOf } from '../models/registry.js';
import { Rng } from '../tensor/random.js';
import { TextTokenizer } from '../text/tokenizer.js';
import type { MemoryCheckpointStore } from '../train/checkpoint-store.js';
import { collateTokenized } from '../train/collate.js';
import { describeInferenceSplit, describeMicroBatchSplit } from '../train/memory-messages.js';
import type { EpochRecord, RunResults } from '../train/results.js';
import { trainClassifierAsync, type TrainProgress } from '../train/trainer.js';
import type { ModelFiles } from './model-files.js';
import type { LabelColumns, RunSettings } from './protocol.js';

/** A run ready to train: the model with LoRA applied, its tokenizer, and the tokenized splits. */
export interface PreparedRun {
  model: SequenceClassifier;
  tokenizer: TextTokenizer;
  labels: string[];
  /** Each text has a set of labels (a sigmoid per label, binary cross-entropy) instead of one class. */
  multiLabel: boolean;
  splits: { train: TokenizedDataset; val: TokenizedDataset; test: TokenizedDataset };
  rng: Rng;
  settings: RunSettings;
  modelName: string;
}

/**
 * What `lora-lab train --train-file` does with a file and a base model, in the order it does it (so
 * the same settings split, initialise and train alike): the labelled rows of the chosen columns, a
 * seeded stratified split, the tokenizer, the classifier with LoRA, the tokenized splits.
 */
export async function prepareRun(
  files: ModelFiles,
  table: Table,
  dataName: string,
  settings: RunSettings,
): Promise<PreparedRun> {
  const read = labelledReadOptions(settings);
  const rows = labelledRows(table, dataName, read);
  const multiLabel = read.multiLabel === true;
  const prepared = splitLabelledFiles(
    { train: rows },
    {
      valSize: settings.valSize,
      testSize: settings.testSize,
      seed: settings.seed,
      rng: new Rng(settings.seed),
      ...(multiLabel ? { multiLabel, labelSeparator: read.labelSeparator } : {}),
    },
  );
  const data = preparedExamples(prepared);
  const labels = [...data.labelMap.names];
  const tokenizer = TextTokenizer.fromFiles(files.tokenizer, {
    fallback: familyOf(files.config.modelType).tokenizerFallback,
  });
  const rng = new Rng(settings.seed);
  const { model } = await loadSequenceClassifierFrom(files.weights, {
    labels,
    problemType: multiLabel ? MULTI_LABEL : SINGLE_LABEL,
    rng,
    ignoreMismatchedSizes: true,
  });
  if (settings.maxLen > model.config.maxLength) {
    throw new UserError(
      `The maximum length ${settings.maxLen} exceeds the base model's ${model.config.maxLength} positions.`,
    );
  }
  applyLora(
    model,
    createLoraConfig({
      task_type: 'SEQ_CLS',
      r: settings.r,
      lora_alpha: settings.alpha,
      lora_dropout: settings.dropout,
      target_modules: [...settings.targets],
      base_model_name_or_path: files.where,
    }),
    rng,
  );
  const tokenize = (examples: typeof data.train) =>
    tokenizeDataset(tokenizer, examples, { maxLength: settings.maxLen });
  return {
    model,
    tokenizer,
    labels,
    multiLabel,
    splits: { train: tokenize(data.train), val: tokenize(data.val), test: tokenize(data.test) },
    rng,
    settings,
    modelName: files.where,
  };
}

/**
 * How the CLI's readers take the chosen columns: rows without text or label left out (and counted),
 * multi-label cells split at the separator (the CLI's default "," when none is given).
 */
export function labelledReadOptions(columns: LabelColumns): LabelledReadOptions {
  return {
    textColumn: columns.textColumn,
    labelColumn: columns.labelColumn,
    skipEmpty: true,
    ...(columns.multiLabel ? { multiLabel: true, labelSeparator: columns.labelSeparator || ',' } : {}),
  };
}

export interface TrainCallbacks {
  signal: AbortSignal;
  onProgress(progress: TrainProgress): void;
  onEpochEnd(record: EpochRecord): void;
  onCheckpoint(id: string, step: number): void;
  onEvalProgress(split: 'val' | 'test', done: number, total: number): void;
  /** The line the CLI prints when batches are split to fit the kernels' memory. */
  onMemoryLine(line: string): void;
}

/** Trains the prepared run, checkpointing into `store` (resuming from its newest checkpoint when asked). */
export function trainRun(
  run: PreparedRun,
  store: MemoryCheckpointStore,
  resume: boolean,
  callbacks: TrainCallbacks,
): Promise<RunResults> {
  const { settings: s, splits } = run;
  return trainClassifierAsync({
    model: run.model,
    labels: run.labels,
    train: splits.train.examples,
    val: splits.val.examples.length > 0 ? splits.val.examples : null,
    test: splits.test.examples,
    collate: collateTokenized(splits.train),
    epochs: s.epochs,
    // The trainer refuses a patience without validation rows, which a validation share of 0 leaves.
    earlyStoppingPatience: splits.val.examples.length > 0 ? (s.earlyStoppingPatience ?? 0) : 0,
    batchSize: s.batchSize,
    lr: s.lr,
    weightDecay: s.weightDecay,
    schedule: 'linear',
    warmupRatio: s.warmupRatio,
    rng: run.rng,
    seed: s.seed,
    checkpoints: store,
    saveSteps: s.saveSteps,
    saveTotalLimit: 1,
    resume,
    overwriteCheckpoints: !resume,
    signal: callbacks.signal,
    onProgress: callbacks.onProgress,
    onEpochEnd: callbacks.onEpochEnd,
    onCheckpoint: callbacks.onCheckpoint,
    onEvalProgress: callbacks.onEvalProgress,
    onMicroBatchSplit: (split) => callbacks.onMemoryLine(describeMicroBatchSplit(split)),
    onInferenceSplit: (split) => callbacks.onMemoryLine(describeInferenceSplit(split)),
    run: {
      method: 'lora',
      name: `${run.modelName} + LoRA (r=${s.r}, ${s.targets.join('+')})`,
      base_model: run.modelName,
    },
  });
}

/** Steps of the whole run, as the trainer counts them. */
export function totalSteps(run: PreparedRun): number {
  return Math.ceil(run.splits.train.examples.length / run.settings.batchSize) * run.settings.epochs;
}

export function predict(run: PreparedRun, texts: readonly string[]): Prediction[] {
  return [
    ...predictTexts(run.model, run.tokenizer, run.labels, texts, {
      maxLen: run.settings.maxLen,
      batchSize: run.settings.batchSize,
    }),
  ];
}

/** The adapter's PEFT files and the label map, as `lora-lab train` writes them into adapter/. */
export function adapterFiles(run: PreparedRun): Record<string, Uint8Array> {
  const peft = peftAdapterFiles(run.model, undefined, { baseModelNameOrPath: run.modelName });
  const encoder = new TextEncoder();
  return {
    'adapter_config.json': encoder.encode(peft.config),
    'adapter_model.safetensors': peft.weights,
    'label_map.json': encoder.encode(
      `${JSON.stringify(new LabelMap(run.labels, { multiLabel: run.multiLabel }).toJSON(), null, 2)}\n`,
    ),
  };
}
