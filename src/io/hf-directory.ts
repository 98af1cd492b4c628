import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { areDefaultLabels, defaultLabels } from '../models/common/labels.js';
import type { ClassifierConfig, ModelFamily, SequenceClassifier } from '../models/family.js';
import type { ProblemType } from '../models/common/problem-type.js';
import { familyOf } from '../models/registry.js';
import type { Rng } from '../tensor/random.js';
import { shapeToString } from '../tensor/tensor.js';
import { writeFileAtomic } from './atomic-write.js';
import { configJsonText } from './config-json.js';
import { readModelConfigFile } from './model-config.js';
import { readPytorchBin } from './pytorch-pickle.js';
import { readSafetensors, writeSafetensors } from './safetensors.js';
import { isWeight, type StateDict, type TensorEntry } from './state-dict.js';
import { saveTokenizerFiles, type TokenizerFileContents } from './tokenizer-files.js';

export interface LoadClassifierOptions {
  /** The classifier's size when `labels` is not given; by default the checkpoint's. */
  numLabels?: number;
  /** Label names, index = class id; they fix the classifier's size. */
  labels?: string[];
  /** The head's problem type (single- or multi-label); by default the checkpoint's config.json says. */
  problemType?: ProblemType;
  /** Initialises what the checkpoint lacks (the classifier head) and drives dropout. */
  rng: Rng;
  /**
   * HF's ignore_mismatched_sizes, for the classifier head only: a head of another size is
   * re-initialised (and reported in `mismatched`) instead of refused, e.g. before an adapter brings its own.
   */
  ignoreMismatchedSizes?: boolean;
}

export interface LoadedClassifier {
  model: SequenceClassifier;
  config: ClassifierConfig;
  /** Model parameters the checkpoint lacks (HF: "newly initialized"). */
  missing: string[];
  /** Checkpoint tensors the model does not use, under their names in the file (pre-training heads). */
  unexpected: string[];
  /** Parameters freshly initialised here, HF's way (normal(0, initializer_range), zero biases). */
  initialized: string[];
  /** Classifier tensors of another size in the checkpoint, re-initialised under `ignoreMismatchedSizes`. */
  mismatched: string[];
}

/**
 * Loads a Hugging Face model directory (config.json plus model.safetensors or pytorch_model.bin, sharded
 * or not) as its family's …ForSequenceClassification, the way `from_pretrained` does: a bare base model
 * checkpoint (no `bert.` prefix, say) fits, pre-training heads (`cls.*`) are reported as unexpected,
 * integer buffers (`position_ids`) are skipped, old LayerNorm names `gamma`/`beta` are understood, and a
 * missing classification head is initialised and reported.
 */
export async function loadSequenceClassifier(
  dir: string,
  options: LoadClassifierOptions,
): Promise<LoadedClassifier> {
  const checkpointConfig = readModelConfigFile(dir);
  const family = familyOf(checkpointConfig.modelType);
  const { state, source } = await readCheckpointWeights(dir);
  const { weights, originalNames } = normalizeKeys(family, state, source);
  const isHead = (name: string): boolean => family.headPrefixes.some((prefix) => name.startsWith(prefix));

  const hasHead = [...weights.keys()].some(isHead);
  const config = checkpointConfig.withLabels(
    resolveLabels(dir, checkpointConfig, options, hasHead),
    options.problemType ?? checkpointConfig.problemType,
  );
  const model = family.create(config, options.rng, { initialize: false });

  const missing: string[] = [];
  const mismatched: string[] = [];
  for (const [name, p] of model.namedParameters()) {
    const entry = weights.get(name);
    if (!entry) {
      missing.push(name);
      continue;
    }
    if (entry.shape.length !== p.shape.length || entry.shape.some((d, i) => d !== p.shape[i])) {
      if (options.ignoreMismatchedSizes && isHead(name)) {
        mismatched.push(name);
        continue;
      }
      const hint = isHead(name)
        ? ` (the checkpoint's classifier has ${entry.shape[0]} labels; ask for as many or none)`
        : '';
      throw new UserError(
        `${source}: ${originalNames.get(name) ?? name} has shape ${shapeToString(entry.shape)}, but the model built from config.json expects ${shapeToString(p.shape)}${hint}.`,
      );
    }
    p.data.set(entry.data);
  }
  const own = new Set(model.stateDict().keys());
  const unexpected = [...weights.keys()].filter((k) => !own.has(k)).map((k) => originalNames.get(k) ?? k);

  const notInitializable = missing.filter(
    (name) => !family.initializablePrefixes.some((prefix) => name.startsWith(prefix)),
  );
  if (notInitializable.length > 0) {
    throw new UserError(
      `${source} lacks ${notInitializable.length} weight${notInitializable.length === 1 ? '' : 's'} of the model described by config.json, such as ${notInitializable[0]}.`,
    );
  }
  const initialized = [...missing, ...mismatched];
  model.initWeights(options.rng, initialized);
  return { model, config, missing, unexpected, initialized, mismatched };
}

/** The labels the loaded model gets: asked-for ones, else the checkpoint's real names, else LABEL_n. */
function resolveLabels(
  dir: string,
  checkpoint: ClassifierConfig,
  options: LoadClassifierOptions,
  hasHead: boolean,
): string[] {
  const named = !areDefaultLabels(checkpoint.labels);
  if (options.labels) {
    if (options.numLabels !== undefined && options.numLabels !== options.labels.length) {
      throw new UserError(`Asked for ${options.numLabels} labels but named ${options.labels.length}.`);
    }
    const same =
      options.labels.length === checkpoint.labels.length &&
      options.labels.every((l, i) => l === checkpoint.labels[i]);
    // A trained head's rows belong to the checkpoint's labels in its order: renaming them would mislabel every prediction.
    if (
      hasHead &&
      named &&
      !same &&
      options.labels.length === checkpoint.labels.length &&
      !options.ignoreMismatchedSizes
    ) {
      throw new UserError(
        `${dir} was trained for the labels ${checkpoint.labels.join(', ')} (in this order), not ${options.labels.join(', ')}; leave the labels out to use the checkpoint's.`,
      );
    }
    return [...options.labels];
  }
  if (options.numLabels !== undefined) {
    if (!Number.isInteger(options.numLabels) || options.numLabels < 1) {
      throw new UserError(`The number of labels must be a positive whole number, got ${options.numLabels}.`);
    }
    return named && checkpoint.labels.length === options.numLabels
      ? [...checkpoint.labels]
      : defaultLabels(options.numLabels);
  }
  return [...checkpoint.labels];
}

/** model.safetensors, else pytorch_model.bin, each possibly sharded with an index file. */
async function readCheckpointWeights(dir: string): Promise<{ state: StateDict; source: string }> {
  const single = join(dir, 'model.safetensors');
  if (existsSync(single)) return { state: readSafetensors(single).tensors, source: single };
  const safetensorsIndex = join(dir, 'model.safetensors.index.json');
  if (existsSync(safetensorsIndex)) {
    const state: StateDict = new Map();
    for (const shard of shardFiles(safetensorsIndex)) {
      for (const [k, v] of readSafetensors(join(dir, shard)).tensors) state.set(k, v);
    }
    return { state, source: safetensorsIndex };
  }
  const bin = join(dir, 'pytorch_model.bin');
  if (existsSync(bin)) return { state: await readPytorchBin(bin), source: bin };
  const binIndex = join(dir, 'pytorch_model.bin.index.json');
  if (existsSync(binIndex)) {
    const state: StateDict = new Map();
    for (const shard of shardFiles(binIndex))
      for (const [k, v] of await readPytorchBin(join(dir, shard))) state.set(k, v);
    return { state, source: binIndex };
  }
  throw new UserError(
    `${dir} has neither model.safetensors nor pytorch_model.bin, so there are no weights to load.`,
  );
}

function shardFiles(indexPath: string): string[] {
  let map: unknown;
  try {
    map = (JSON.parse(readFileSync(indexPath, 'utf8')) as { weight_map?: unknown }).weight_map;
  } catch {
    throw new UserError(`${indexPath} is not valid JSON.`);
  }
  if (typeof map !== 'object' || map === null) throw new UserError(`${indexPath} has no weight_map.`);
  const files = new Set(Object.values(map as Record<string, unknown>));
  for (const f of files) {
    if (typeof f !== 'string' || f.includes('/') || f.includes('\\')) {
      throw new UserError(`${indexPath} names an invalid shard file ${JSON.stringify(f)}.`);
    }
  }
  return [...files] as string[];
}

/**
 * Checkpoint names → this model's names, as the family maps them (a bare base model's keys get its
 * prefix, buffers are dropped); integer tensors are never weights. `originalNames` maps back for messages.
 */
function normalizeKeys(
  family: ModelFamily,
  state: StateDict,
  source: string,
): { weights: Map<string, TensorEntry>; originalNames: Map<string, string> } {
  const weights = new Map<string, TensorEntry>();
  const originalNames = new Map<string, string>();
  for (const [key, entry] of state) {
    const name = isWeight(entry) ? family.parameterName(key) : null;
    if (name === null) continue;
    const earlier = originalNames.get(name);
    if (earlier !== undefined) {
      throw new UserError(`${source} holds both ${earlier} and ${key}, which name the same weight.`);
    }
    weights.set(name, entry);
    originalNames.set(name, key);
  }
  return { weights, originalNames };
}

export interface SaveHfOptions {
  /** The text layer's tokenizer, or anything else that gives the tokenizer files. */
  tokenizer?: TokenizerFileContents;
  /** Label names, index = class id; written as id2label/label2id. */
  labels: readonly string[];
}

/**
 * Writes `model` as a Hugging Face directory that `AutoModelForSequenceClassification.from_pretrained`
 * and `AutoTokenizer.from_pretrained` load unchanged: config.json, model.safetensors (F32, HF names,
 * metadata format "pt") and the tokenizer's files. Every file is written atomically. A model with LoRA
 * layers still in it must be merged first: its names are not the family's.
 */
export async function saveHfDirectory(
  model: SequenceClassifier,
  dir: string,
  options: SaveHfOptions,
): Promise<void> {
  const labels = [...options.labels];
  if (labels.length !== model.config.numLabels) {
    throw new UserError(
      `The model has ${model.config.numLabels} labels, but ${labels.length} label names were given.`,
    );
  }
  const config = model.config.withLabels(labels);
  const state: StateDict = new Map();
  for (const [name, p] of model.namedParameters()) {
    if (/(^|\.)(lora_[A-Za-z]+|base_layer)(\.|$)/.test(name)) {
      throw new UserError(
        `The model still holds LoRA layers (${name}); merge them into the base weights before saving a full model.`,
      );
    }
    state.set(name, { shape: [...p.shape], data: p.data });
  }
  mkdirSync(dir, { recursive: true });
  writeSafetensors(join(dir, 'model.safetensors'), state, { format: 'pt' });
  writeFileAtomic(join(dir, 'config.json'), configJsonText(config.toJSON()));
  if (options.tokenizer) saveTokenizerFiles(options.tokenizer, dir);
}
