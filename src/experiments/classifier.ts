import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { LabelMap } from '../data/label-map.js';
import { loadSequenceClassifier } from '../io/hf-directory.js';
import { readModelConfigFile } from '../io/model-config.js';
import { familyOf } from '../models/registry.js';
import { fromPeftParameterName, loadPeftAdapter, readPeftAdapter } from '../io/peft-adapter.js';
import type { SequenceClassifier } from '../models/family.js';
import { MULTI_LABEL, SINGLE_LABEL, isMultiLabel, readProblemType } from '../models/common/problem-type.js';
import { noGrad } from '../tensor/autograd.js';
import { tensorScope } from '../tensor/scope.js';
import { Rng } from '../tensor/random.js';
import { TextTokenizer } from '../text/tokenizer.js';
import { inputTensors } from '../train/batch-tensors.js';
import { DEFAULT_THRESHOLD } from '../train/multi-label-metrics.js';
import { sigmoid } from '../tensor/ops/bce-with-logits.js';
import { isAdapterFolder, resolveAdapterBase } from './adapter-base.js';

export interface Prediction {
  /** The most probable label (for a multi-label classifier: the one with the highest probability). */
  label: string;
  /** Softmax probabilities; for a multi-label classifier, each label's own sigmoid probability. */
  probs: number[];
  logits: number[];
  /** Multi-label only: the labels whose probability reaches the threshold, most probable first. */
  labels?: string[];
}

export interface LoadedClassifier {
  model: SequenceClassifier;
  labels: string[];
  tokenizer: TextTokenizer;
  /** The model folder used; for an adapter given without a model, the base its config names. */
  modelDir: string;
  /** Each text gets a set of labels, one sigmoid each (config.json's or label_map.json's problem_type). */
  multiLabel: boolean;
}

/**
 * The model (with the adapter applied), its label names and the tokenizer. An adapter that carries a
 * classifier of its own (modules_to_save) fixes the label count; a head that nothing trained is refused,
 * since its predictions would be random.
 */
export async function loadClassifier(options: {
  model?: string;
  adapter?: string;
}): Promise<LoadedClassifier> {
  const flags = { model: modelFolder(options), adapter: options.adapter };
  const family = familyOf(readModelConfigFile(flags.model).modelType);
  const adapterCovers = new Set<string>();
  let adapterHeadSize: number | undefined;
  if (flags.adapter) {
    const files = readPeftAdapter(flags.adapter);
    for (const [key, entry] of files.tensors) {
      const name = fromPeftParameterName(key);
      adapterCovers.add(name);
      if (name === family.labelsWeight) adapterHeadSize = entry.shape[0];
    }
  }
  const adapterLabels = flags.adapter ? readLabelNames(flags.adapter) : undefined;
  const loaded = await loadSequenceClassifier(flags.model, {
    rng: new Rng(0),
    // An adapter's head was trained for its own problem type; the base model's config.json knows nothing of it.
    ...(adapterLabels ? { problemType: adapterLabels.multiLabel ? MULTI_LABEL : SINGLE_LABEL } : {}),
    ...(adapterHeadSize !== undefined ? { numLabels: adapterHeadSize, ignoreMismatchedSizes: true } : {}),
  });
  const untrained = loaded.initialized.filter((name) => !adapterCovers.has(name));
  if (untrained.length > 0) {
    throw new UserError(
      `${flags.model} has no trained ${family.headPrefixes.some((p) => untrained[0].startsWith(p)) ? 'classifier head' : untrained[0]}${flags.adapter ? ' and the adapter brings none' : ''}, so its predictions would be random; give a fine-tuned model${flags.adapter ? '' : ' or an --adapter that carries one'}.`,
    );
  }
  if (flags.adapter) loadPeftAdapter(loaded.model, flags.adapter);
  let labels = [...loaded.config.labels];
  if (adapterLabels) {
    if (adapterLabels.names.length !== labels.length) {
      throw new UserError(
        `${adapterLabels.path} names ${adapterLabels.names.length} labels, but the classifier has ${labels.length}.`,
      );
    }
    labels = adapterLabels.names;
  }
  const tokenizerDir =
    !hasTokenizer(flags.model) && flags.adapter && hasTokenizer(flags.adapter) ? flags.adapter : flags.model;
  return {
    model: loaded.model,
    labels,
    tokenizer: TextTokenizer.fromDirectory(tokenizerDir, { fallback: family.tokenizerFallback }),
    modelDir: flags.model,
    multiLabel: isMultiLabel(loaded.model.config.problemType),
  };
}

/** --model, else the base the adapter names; an adapter folder given as --model is pointed to --adapter. */
function modelFolder(options: { model?: string; adapter?: string }): string {
  if (options.model !== undefined) {
    if (isAdapterFolder(options.model)) {
      throw new UserError(
        `${options.model} is a LoRA adapter folder, not a model: pass it as --adapter ${options.model} (its base model is then found from its adapter_config.json).`,
      );
    }
    return options.model;
  }
  if (options.adapter !== undefined) return resolveAdapterBase(options.adapter);
  throw new UserError(
    'Give the model with --model, or a LoRA adapter with --adapter (its base is then found).',
  );
}

function hasTokenizer(dir: string): boolean {
  return ['tokenizer.json', 'vocab.txt', 'vocab.json'].some((name) => existsSync(join(dir, name)));
}

/**
 * The label names beside an adapter (PEFT's own files carry none), whether they are a multi-label
 * set, and the file that gave them: our trainer's label_map.json, else the id2label (and problem_type)
 * of a config.json; undefined when there is neither.
 */
export function readLabelNames(
  dir: string,
): { names: string[]; path: string; multiLabel: boolean } | undefined {
  const labelMapPath = join(dir, 'label_map.json');
  if (existsSync(labelMapPath)) {
    const map = LabelMap.load(labelMapPath);
    return { names: [...map.names], path: labelMapPath, multiLabel: map.multiLabel };
  }
  const path = join(dir, 'config.json');
  if (!existsSync(path)) return undefined;
  let id2label: unknown;
  let multiLabel: boolean;
  try {
    const json = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    id2label = json.id2label;
    multiLabel = isMultiLabel(readProblemType(json, path));
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(`${path} is not valid JSON.`);
  }
  if (typeof id2label !== 'object' || id2label === null) return undefined;
  const entries = Object.entries(id2label as Record<string, unknown>);
  const labels = entries.map((_, i) => (id2label as Record<string, unknown>)[String(i)]);
  if (!labels.every((l): l is string => typeof l === 'string')) {
    throw new UserError(`${path}: id2label must map the ids 0 to ${entries.length - 1} to label names.`);
  }
  return { names: labels, path, multiLabel };
}

/**
 * Logits, softmax probabilities and the arg-max label of each text, batch by batch (each padded to its
 * longest row), in eval mode and without a graph. A multi-label classifier gives each label its own
 * sigmoid probability instead, and the set of labels at or above `threshold` (default 0.5).
 */
export function* predictTexts(
  model: SequenceClassifier,
  tokenizer: TextTokenizer,
  labels: readonly string[],
  texts: readonly string[],
  options: {
    maxLen: number;
    batchSize: number;
    /** The second text of each pair (sentence-pair tasks), index by index with `texts`. */
    pairs?: readonly string[];
    /** Multi-label only: the probability from which a label is in a text's set. */
    threshold?: number;
  },
): Generator<Prediction> {
  model.eval();
  const n = labels.length;
  const multiLabel = isMultiLabel(model.config.problemType);
  const threshold = options.threshold ?? DEFAULT_THRESHOLD;
  const { pairs } = options;
  if (pairs !== undefined && pairs.length !== texts.length) {
    throw new Error(`predictTexts got ${texts.length} texts but ${pairs.length} pairs.`);
  }
  for (let start = 0; start < texts.length; start += options.batchSize) {
    const chunk = texts.slice(start, start + options.batchSize);
    const inputs = inputTensors(
      tokenizer.encodeBatch(
        pairs === undefined ? chunk : chunk.map((text, i) => ({ text, textPair: pairs[start + i]! })),
        { maxLength: options.maxLen, truncation: true, padding: 'longest' },
      ),
    );
    // A copy of the logits leaves the scope; the activations stay behind in the kernels' memory.
    const logits = tensorScope(() =>
      noGrad(() => model.forward(inputs.inputIds, inputs.attentionMask, inputs.tokenTypeIds)).data.slice(),
    );
    for (let b = 0; b < chunk.length; b++) {
      const row = Array.from(logits.subarray(b * n, (b + 1) * n));
      const probs = multiLabel ? row.map(sigmoid) : softmax(row);
      let best = 0;
      for (let j = 1; j < n; j++) if (row[j] > row[best]) best = j;
      if (!multiLabel) {
        yield { label: labels[best], probs, logits: row };
        continue;
      }
      const chosen = labels
        .map((name, j) => ({ name, p: probs[j]! }))
        .filter((l) => l.p >= threshold)
        .sort((x, y) => y.p - x.p)
        .map((l) => l.name);
      yield { label: labels[best], probs, logits: row, labels: chosen };
    }
  }
}

function softmax(logits: readonly number[]): number[] {
  const max = Math.max(...logits);
  const exps = logits.map((v) => Math.exp(v - max));
  const total = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / total);
}

/** The sequence cap: the flag's value (refused beyond the model's positions), else 128 or the model's limit if lower. */
export function resolveMaxLen(requested: number | undefined, model: SequenceClassifier): number {
  const positions = model.config.maxLength;
  if (requested === undefined) return Math.min(128, positions);
  if (requested > positions) {
    throw new UserError(`--max-len ${requested} exceeds the model's ${positions} positions.`);
  }
  return requested;
}
