import { appendFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { UserError } from '../errors.js';
import { loadPreprocessed, type PreprocessedData } from '../data/split-files.js';
import { dataDirRecord, labelledDataRecord, type DataRecord } from '../data/data-record.js';
import { describeData } from '../data/data-record-text.js';
import { prepareLabelledData, preparedExamples, type PrepareOptions } from '../data/prepare-labelled.js';
import { writeJsonAtomic } from '../io/atomic-write.js';
import { loadSequenceClassifier, saveHfDirectory } from '../io/hf-directory.js';
import { tokenizerFallbackOf } from '../io/model-config.js';
import { savePeftAdapter } from '../io/peft-adapter.js';
import type { ClassifierConfig, SequenceClassifier } from '../models/family.js';
import { createClassifier, readModelConfig } from '../models/registry.js';
import { applyLora } from '../lora/inject.js';
import { createLoraConfig } from '../lora/config.js';
import { Rng } from '../tensor/random.js';
import { TextTokenizer } from '../text/tokenizer.js';
import { deleteCheckpoints, latestCheckpoint } from '../train/checkpoint.js';
import { collateTokenized } from '../train/collate.js';
import type { RunResults, Method, EpochRecord, Metrics } from '../train/results.js';
import { DEFAULT_THRESHOLD } from '../train/multi-label-metrics.js';
import { MULTI_LABEL, SINGLE_LABEL, type ProblemType } from '../models/common/problem-type.js';
import { trainClassifierAsync, type TrainProgress } from '../train/trainer.js';
import { checkGradientAccumulationSteps } from '../train/micro-batches.js';
import { describeInferenceSplit, describeMicroBatchSplit } from '../train/memory-messages.js';
import type { ScheduleKind } from '../optim/schedule.js';
import { countOf } from '../report/format.js';
import { writeTrainingRecord } from './training-record.js';
import { writeTextPreprocessing } from './text-preprocessing.js';
import { clearPreviousRun } from './run-dir.js';
import { TOKEN_CACHE_DIR, tokenizeSplits, trainFileCacheDir } from './tokenized-splits.js';

/** Labelled files and how to split them; the split's seed is its own, apart from the training seed. */
export type LabelledFilesOptions = Omit<PrepareOptions, 'rng'>;

/** Small-BERT's shape (the study's defaults: 4 layers, hidden 256, 4 heads, intermediate 512). */
export interface ScratchShape {
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  intermediateSize: number;
}

export const DEFAULT_SCRATCH_SHAPE: ScratchShape = {
  hiddenSize: 256,
  numLayers: 4,
  numHeads: 4,
  intermediateSize: 512,
};

export interface LoraSettings {
  r: number;
  alpha: number;
  dropout: number;
  /** Module names to adapt; null takes the base model family's default (BERT's: query, value). */
  targets: string[] | null;
}

export interface TrainRunOptions {
  method: Method;
  /** A folder of splits, as `preprocess` writes it; or else `dataFiles`. */
  dataDir?: string;
  /** Labelled files read directly: the splits a missing validation or test file leaves are carved (seeded). */
  dataFiles?: LabelledFilesOptions;
  outputDir: string;
  /** The pre-trained checkpoint (full, lora) and the tokenizer's source (all methods). */
  baseModel: string;
  epochs: number;
  batchSize: number;
  /** Micro-batches per batch (default 1); raised by the trainer when the kernels' memory cannot hold one. */
  gradientAccumulationSteps?: number;
  lr: number;
  maxLen: number;
  weightDecay: number;
  schedule: ScheduleKind;
  warmupRatio: number;
  seed: number;
  maxSteps?: number;
  /**
   * Stop after this many epochs without a better validation F1 (0/absent: off). A run without a
   * validation split refuses it when it was asked for (listed in presetOverrides, or without a preset),
   * and leaves out a preset's.
   */
  earlyStoppingPatience?: number;
  lora: LoraSettings;
  scratch: ScratchShape;
  saveSteps?: number;
  saveTotalLimit?: number;
  /** Multi-label data: a label is predicted when its sigmoid probability reaches this (default 0.5). */
  threshold?: number;
  /**
   * Continue the run in outputDir from its newest checkpoint. Without it, an earlier run's files there
   * are replaced (the CLI asks for --overwrite first: see checkOutputDir).
   */
  resume?: boolean;
  /** Keep the checkpoints once the run has finished; by default they are deleted then. */
  keepCheckpoints?: boolean;
  /** The preset the settings came from, and the flags that replaced its values (for results.json). */
  preset?: string;
  presetOverrides?: string[];
  signal?: AbortSignal;
  threads?: number;
  /** For results.json and the report. */
  dataSource?: string;
  baseModelDescription?: string;
  onProgress?: (p: TrainProgress) => void;
  onEvalProgress?: (split: 'val' | 'test', done: number, total: number) => void;
  /** Human-readable lines (also appended to `train.log`). */
  log?: (line: string) => void;
}

function displayName(
  method: Method,
  options: Pick<TrainRunOptions, 'lora' | 'scratch' | 'baseModel'>,
  loraTargets: readonly string[],
): string {
  const base = baseModelName(options.baseModel);
  switch (method) {
    case 'scratch':
      return `Small-BERT from scratch (${options.scratch.numLayers} layers, hidden ${options.scratch.hiddenSize})`;
    case 'full':
      return `${base}, full fine-tuning`;
    case 'lora':
      return `${base} + LoRA (r=${options.lora.r}, ${loraTargets.join('+')})`;
  }
}

/** The base model's name in run names: the study's bert-tiny (or its stand-in) as "bert-tiny", else the folder's name. */
function baseModelName(dir: string): string {
  const name = basename(resolve(dir));
  return /bert-tiny/.test(name) ? 'bert-tiny' : name;
}

/**
 * One training run of the study: load the splits and the tokenizer, build the model the method calls
 * for, train (checkpointing into outputDir/checkpoints), then write the model (an HF directory, or a
 * PEFT adapter naming its base for LoRA), `results.json` and `train.log` into outputDir.
 */
export async function runTraining(o: TrainRunOptions): Promise<RunResults> {
  const outputDir = resolve(o.outputDir);
  const logPath = join(outputDir, 'train.log');
  // Lines are held back until the inputs have been checked: a run refused for a bad file, flag or
  // model leaves no output folder behind.
  let held: string[] | null = [];
  const log = (line: string): void => {
    const stamped = `${new Date().toISOString()} ${line}\n`;
    if (held) held.push(stamped);
    else appendFileSync(logPath, stamped);
    o.log?.(line);
  };
  const checkpointDir = join(outputDir, 'checkpoints');
  const resumeFrom = o.resume ? latestCheckpoint(checkpointDir) : null;
  if (o.resume && !resumeFrom) {
    const finished = hasResults(outputDir)
      ? ': the run there finished and its checkpoints were deleted; pass --overwrite to train it again'
      : '';
    throw new UserError(`There is no complete checkpoint in ${checkpointDir} to resume from${finished}.`);
  }
  if (resumeFrom) log(`resuming from ${resumeFrom}`);

  checkGradientAccumulationSteps(o.gradientAccumulationSteps ?? 1, o.batchSize);
  const { data, record, where } = await loadTrainingData(o);
  const labels = data.labelMap.names;
  const problemType = data.labelMap.multiLabel ? MULTI_LABEL : SINGLE_LABEL;
  if (o.threshold !== undefined && !data.labelMap.multiLabel) {
    throw new UserError(`--threshold applies to multi-label data only, and ${where} is single-label.`);
  }
  const threshold = o.threshold ?? DEFAULT_THRESHOLD;
  if (!(threshold > 0 && threshold < 1)) {
    throw new UserError(`The decision threshold must lie between 0 and 1 (exclusive), not ${threshold}.`);
  }
  if (data.train.length === 0) throw new UserError(`${where} has an empty training split.`);
  if (data.test.length === 0) throw new UserError(`${where} has an empty test split.`);
  for (const line of describeData(record)) log(line);
  const tokenizer = TextTokenizer.fromDirectory(o.baseModel, { fallback: tokenizerFallbackOf(o.baseModel) });
  const rng = new Rng(o.seed);

  let model: SequenceClassifier;
  if (o.method === 'scratch') {
    model = createClassifier(
      scratchConfig(o.scratch, Math.max(512, o.maxLen), tokenizer.vocabSize, labels, problemType),
      rng,
    );
  } else {
    const loaded = await loadSequenceClassifier(o.baseModel, {
      labels: [...labels],
      problemType,
      rng,
      ignoreMismatchedSizes: true,
    });
    model = loaded.model;
    if (loaded.initialized.length > 0)
      log(`newly initialised from the base model: ${loaded.initialized.join(', ')}`);
    if (o.maxLen > model.config.maxLength) {
      throw new UserError(
        `--max-len ${o.maxLen} exceeds the base model's ${model.config.maxLength} positions.`,
      );
    }
  }
  const loraTargets = o.lora.targets ?? [...model.defaultLoraTargets];
  if (o.method === 'lora') {
    applyLora(
      model,
      createLoraConfig({
        task_type: 'SEQ_CLS',
        r: o.lora.r,
        lora_alpha: o.lora.alpha,
        lora_dropout: o.lora.dropout,
        target_modules: [...loraTargets],
        base_model_name_or_path: o.baseModel,
      }),
      rng,
    );
  }

  if (!o.resume) clearPreviousRun(outputDir);
  mkdirSync(outputDir, { recursive: true });
  // A resumed run continues its own log; a new one starts its own.
  (o.resume ? appendFileSync : writeFileSync)(logPath, held.join(''));
  held = null;

  const maxLength = o.maxLen;
  log(`tokenizing ${data.train.length} train, ${data.val.length} val, ${data.test.length} test examples`);
  const { train, val, test } = tokenizeSplits(tokenizer, data, {
    maxLength,
    tokenizerDir: o.baseModel,
    // Splits read from a data folder are cached there; those of a training file beside it.
    cacheDir:
      o.dataDir !== undefined
        ? join(resolve(o.dataDir), TOKEN_CACHE_DIR)
        : o.dataFiles !== undefined
          ? trainFileCacheDir(o.dataFiles.trainFile)
          : undefined,
    log,
  });

  const name = displayName(o.method, o, loraTargets);
  const patience = earlyStoppingPatience(o, val !== null && val.examples.length > 0);
  log(
    `training ${name}: ${o.maxSteps ? `smoke run capped at ${countOf(o.maxSteps, 'step')}` : countOf(o.epochs, 'epoch')}${patience > 0 ? ` (stopping early after ${countOf(patience, 'epoch')} without a better val F1)` : ''}, batch ${o.batchSize}${(o.gradientAccumulationSteps ?? 1) > 1 ? ` in ${o.gradientAccumulationSteps} micro-batches` : ''}, lr ${o.lr}, max length ${maxLength}, seed ${o.seed}`,
  );
  const results = await trainClassifierAsync({
    model,
    labels,
    train: train.examples,
    val: val?.examples ?? null,
    test: test.examples,
    collate: collateTokenized(train),
    ...(data.labelMap.multiLabel ? { threshold } : {}),
    epochs: o.epochs,
    batchSize: o.batchSize,
    gradientAccumulationSteps: o.gradientAccumulationSteps,
    onMicroBatchSplit: (split) => log(describeMicroBatchSplit(split)),
    onInferenceSplit: (split) => log(describeInferenceSplit(split)),
    maxSteps: o.maxSteps,
    earlyStoppingPatience: patience,
    lr: o.lr,
    weightDecay: o.weightDecay,
    schedule: o.schedule,
    warmupRatio: o.warmupRatio,
    rng,
    seed: o.seed,
    checkpointDir,
    saveSteps: o.saveSteps,
    saveTotalLimit: o.saveTotalLimit ?? 2,
    resume: o.resume ?? false,
    overwriteCheckpoints: !o.resume,
    signal: o.signal,
    onProgress: o.onProgress,
    onEvalProgress: o.onEvalProgress,
    onEpochEnd: (record: EpochRecord) => log(describeEpoch(record)),
    run: {
      method: o.method,
      name,
      config: {
        ...(o.preset !== undefined ? { preset: o.preset, preset_overrides: o.presetOverrides ?? [] } : {}),
        max_len: maxLength,
        ...(data.labelMap.multiLabel ? { problem_type: problemType, threshold } : {}),
        ...(o.dataDir !== undefined ? { data_dir: resolve(o.dataDir) } : {}),
        ...(o.method === 'lora'
          ? {
              lora_r: o.lora.r,
              lora_alpha: o.lora.alpha,
              lora_dropout: o.lora.dropout,
              lora_targets: loraTargets,
            }
          : {}),
        ...(o.method === 'scratch' ? { ...o.scratch } : {}),
      },
      data_source: o.dataSource,
      base_model:
        o.method === 'scratch'
          ? `none (random init; tokenizer from ${o.baseModel})`
          : (o.baseModelDescription ?? o.baseModel),
      threads: o.threads,
    },
  });

  if (o.method === 'lora') {
    const adapterDir = join(outputDir, 'adapter');
    savePeftAdapter(model, adapterDir, undefined, { baseModelNameOrPath: resolve(o.baseModel) });
    writeJsonAtomic(join(adapterDir, 'label_map.json'), data.labelMap.toJSON());
    log(`adapter saved to ${adapterDir}`);
  } else {
    const modelDir = join(outputDir, 'model');
    await saveHfDirectory(model, modelDir, { tokenizer, labels });
    log(`model saved to ${modelDir}`);
  }
  writeTrainingRecord(
    outputDir,
    data.train.map((e) => e.text),
  );
  writeTextPreprocessing(outputDir, data.textCleaning);
  const recorded: RunResults = { ...results, data: record };
  writeJsonAtomic(join(outputDir, 'results.json'), recorded);
  // The run is complete: its checkpoints (most of its size) can only resume what is already done.
  if (!o.keepCheckpoints) {
    deleteCheckpoints(checkpointDir);
    log('checkpoints deleted (the run finished; --keep-checkpoints keeps them)');
  }
  const stopped = results.stopped_early
    ? `; stopped early at epoch ${results.stopped_early.epoch} of ${results.stopped_early.epochs}`
    : '';
  log(
    `test: ${testScores(results.test)} ` +
      `(best epoch ${results.best_epoch}${stopped}, ${results.timing.train_seconds.toFixed(1)} s training)`,
  );
  return recorded;
}

/**
 * The patience the trainer gets: a preset's is left out for data without a validation split (what it
 * watches), while one asked for explicitly goes through, for the trainer to refuse in one sentence.
 */
function earlyStoppingPatience(
  o: Pick<TrainRunOptions, 'earlyStoppingPatience' | 'preset' | 'presetOverrides'>,
  hasValidation: boolean,
): number {
  const patience = o.earlyStoppingPatience ?? 0;
  const asked = o.preset === undefined || (o.presetOverrides ?? []).includes(EARLY_STOPPING_FLAG);
  return hasValidation || asked ? patience : 0;
}

/** The flag's name, as presetOverrides lists it. */
export const EARLY_STOPPING_FLAG = '--early-stopping-patience';

/** The splits to train on, what results.json says of them, and how messages name where they came from. */
async function loadTrainingData(
  o: Pick<TrainRunOptions, 'dataDir' | 'dataFiles'>,
): Promise<{ data: PreprocessedData; record: DataRecord; where: string }> {
  if (o.dataFiles !== undefined) {
    if (o.dataDir !== undefined) throw new Error('runTraining takes dataDir or dataFiles, not both.');
    const prepared = await prepareLabelledData({ ...o.dataFiles, rng: new Rng(o.dataFiles.seed) });
    return {
      data: preparedExamples(prepared),
      record: labelledDataRecord(prepared.summary),
      where: o.dataFiles.trainFile,
    };
  }
  if (o.dataDir === undefined) throw new Error('runTraining needs dataDir or dataFiles.');
  const data = await loadPreprocessed(resolve(o.dataDir));
  const splits = { train: data.train.length, val: data.val.length, test: data.test.length };
  return { data, record: dataDirRecord(o.dataDir, splits), where: o.dataDir };
}

/**
 * "accuracy 0.8120, F1 weighted 0.8011, F1 macro 0.7420"; for a multi-label classifier the subset
 * accuracy and the micro and samples F1 lead.
 */
export function testScores(t: Metrics): string {
  const m = t.multi_label;
  if (m) {
    return `subset accuracy ${t.accuracy.toFixed(4)}, F1 micro ${m.f1_micro.toFixed(4)}, F1 macro ${t.f1_macro.toFixed(4)}, F1 samples ${m.f1_samples.toFixed(4)} (threshold ${m.threshold})`;
  }
  return `accuracy ${t.accuracy.toFixed(4)}, F1 weighted ${t.f1_weighted.toFixed(4)}, F1 macro ${t.f1_macro.toFixed(4)}`;
}

function describeEpoch(r: EpochRecord): string {
  const micro = r.val?.f1_micro !== undefined ? `, F1 micro ${r.val.f1_micro.toFixed(4)}` : '';
  const val = r.val
    ? `, val F1 weighted ${r.val.f1_weighted.toFixed(4)}${micro}, accuracy ${r.val.accuracy.toFixed(4)}`
    : '';
  return `epoch ${r.epoch}: train loss ${r.train_loss.toFixed(4)}${val} (${r.seconds.toFixed(1)} s)`;
}

export function hasResults(dir: string): boolean {
  return existsSync(join(dir, 'results.json'));
}

/**
 * Small-BERT, the study's model trained from scratch: a BERT config.json of the asked-for shape over the
 * base model's vocabulary (HF's BertConfig defaults for the rest).
 */
export function scratchConfig(
  shape: ScratchShape,
  positions: number,
  vocabSize: number,
  labels: readonly string[],
  problemType: ProblemType = SINGLE_LABEL,
): ClassifierConfig {
  return readModelConfig(
    {
      model_type: 'bert',
      vocab_size: vocabSize,
      hidden_size: shape.hiddenSize,
      num_hidden_layers: shape.numLayers,
      num_attention_heads: shape.numHeads,
      intermediate_size: shape.intermediateSize,
      max_position_embeddings: positions,
      id2label: Object.fromEntries(labels.map((name, i) => [String(i), name])),
      problem_type: problemType,
    },
    'the scratch model',
  );
}
