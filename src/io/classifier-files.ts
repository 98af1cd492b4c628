import { UserError } from '../errors.js';
import { areDefaultLabels, defaultLabels } from '../models/common/labels.js';
import type { ProblemType } from '../models/common/problem-type.js';
import type { ClassifierConfig, ModelFamily, SequenceClassifier } from '../models/family.js';
import { familyOf, readModelConfig } from '../models/registry.js';
import type { Rng } from '../tensor/random.js';
import { shapeToString } from '../tensor/tensor.js';
import { parseSafetensors } from './safetensors-format.js';
import { isWeight, type StateDict, type TensorEntry } from './state-dict.js';

// Loading a classifier from a Hugging Face model directory's files, wherever they are (a folder on
// disk: hf-directory.ts; files fetched or picked in a browser).

/** The files of a model directory, read on demand. */
export interface ModelFileSource {
  /** The directory, for messages. */
  readonly where: string;
  /** A file's path or URL, for messages. */
  pathOf(name: string): string;
  /** The file's bytes, or null when there is no such file. */
  read(name: string): Promise<Uint8Array | null>;
  /** Weights in another format the source reads itself (pytorch_model.bin on Node), or null. */
  otherWeights?(): Promise<{ state: StateDict; source: string } | null>;
}

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
export async function loadSequenceClassifierFrom(
  files: ModelFileSource,
  options: LoadClassifierOptions,
): Promise<LoadedClassifier> {
  const dir = files.where;
  const checkpointConfig = await readConfigOf(files);
  const family = familyOf(checkpointConfig.modelType);
  const { state, source } = await readCheckpointWeights(files);
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

/** model.safetensors (sharded with an index file or not), else what the source's otherWeights reads. */
async function readCheckpointWeights(files: ModelFileSource): Promise<{ state: StateDict; source: string }> {
  const single = await files.read('model.safetensors');
  if (single) {
    const source = files.pathOf('model.safetensors');
    return { state: parseSafetensors(single, source).tensors, source };
  }
  const index = await files.read('model.safetensors.index.json');
  if (index) {
    const source = files.pathOf('model.safetensors.index.json');
    const state: StateDict = new Map();
    for (const shard of shardFiles(index, source)) {
      const bytes = await files.read(shard);
      if (!bytes) throw new UserError(`There is no file at ${files.pathOf(shard)}.`);
      for (const [k, v] of parseSafetensors(bytes, files.pathOf(shard)).tensors) state.set(k, v);
    }
    return { state, source };
  }
  const other = await files.otherWeights?.();
  if (other) return other;
  throw new UserError(
    `${files.where} has neither model.safetensors nor pytorch_model.bin, so there are no weights to load.`,
  );
}

/** The shard files an index file (`weight_map`) names. */
export function shardFiles(index: Uint8Array, indexPath: string): string[] {
  let map: unknown;
  try {
    map = (JSON.parse(new TextDecoder().decode(index)) as { weight_map?: unknown }).weight_map;
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

/** config.json of the source, read by its family (model_type). */
async function readConfigOf(files: ModelFileSource): Promise<ClassifierConfig> {
  const bytes = await files.read('config.json');
  if (!bytes) {
    throw new UserError(`${files.where} has no config.json, so it is not a Hugging Face model directory.`);
  }
  return modelConfigFromText(new TextDecoder().decode(bytes), files.pathOf('config.json'));
}

/** A config.json's text read by its family, with one-sentence errors for what a user can get wrong. */
export function modelConfigFromText(text: string, path: string): ClassifierConfig {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new UserError(`${path} is not valid JSON (${reason.replace(/\.$/, '')}).`);
  }
  return readModelConfig(json, path);
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
