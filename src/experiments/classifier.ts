import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { LabelMap } from '../data/label-map.js';
import { loadSequenceClassifier } from '../io/hf-directory.js';
import { readModelConfigFile } from '../io/model-config.js';
import { familyOf } from '../models/registry.js';
import { fromPeftParameterName, loadPeftAdapter, readPeftAdapter } from '../io/peft-adapter.js';
import type { SequenceClassifier } from '../models/family.js';
import { noGrad } from '../tensor/autograd.js';
import { tensorScope } from '../tensor/scope.js';
import { Rng } from '../tensor/random.js';
import { TextTokenizer } from '../text/tokenizer.js';
import { inputTensors } from '../train/batch-tensors.js';
import { isAdapterFolder, resolveAdapterBase } from './adapter-base.js';

export interface Prediction {
  label: string;
  probs: number[];
  logits: number[];
}

export interface LoadedClassifier {
  model: SequenceClassifier;
  labels: string[];
  tokenizer: TextTokenizer;
  /** The model folder used; for an adapter given without a model, the base its config names. */
  modelDir: string;
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
  const loaded = await loadSequenceClassifier(flags.model, {
    rng: new Rng(0),
    ...(adapterHeadSize !== undefined ? { numLabels: adapterHeadSize, ignoreMismatchedSizes: true } : {}),
  });
  const untrained = loaded.initialized.filter((name) => !adapterCovers.has(name));
  if (untrained.length > 0) {
    throw new UserError(
      `${flags.model} has no trained ${family.headPrefixes.some((p) => untrained[0].startsWith(p)) ? 'classifier head' : untrained[0]}${flags.adapter ? ' and the adapter brings none' : ''}, so its predictions would be random; give a fine-tuned model${flags.adapter ? '' : ' or an --adapter that carries one'}.`,
    );
  }
  if (flags.adapter) loadPeftAdapter(loaded.model, flags.adapter);
  const adapterLabels = flags.adapter ? readLabelNames(flags.adapter) : undefined;
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
 * The label names beside an adapter (PEFT's own files carry none), and the file that gave them: our
 * trainer's label_map.json, else the id2label of a config.json; undefined when there is neither.
 */
export function readLabelNames(dir: string): { names: string[]; path: string } | undefined {
  const labelMapPath = join(dir, 'label_map.json');
  if (existsSync(labelMapPath)) return { names: [...LabelMap.load(labelMapPath).names], path: labelMapPath };
  const path = join(dir, 'config.json');
  if (!existsSync(path)) return undefined;
  let id2label: unknown;
  try {
    id2label = (JSON.parse(readFileSync(path, 'utf8')) as { id2label?: unknown }).id2label;
  } catch {
    throw new UserError(`${path} is not valid JSON.`);
  }
  if (typeof id2label !== 'object' || id2label === null) return undefined;
  const entries = Object.entries(id2label as Record<string, unknown>);
  const labels = entries.map((_, i) => (id2label as Record<string, unknown>)[String(i)]);
  if (!labels.every((l): l is string => typeof l === 'string')) {
    throw new UserError(`${path}: id2label must map the ids 0 to ${entries.length - 1} to label names.`);
  }
  return { names: labels, path };
}

/**
 * Logits, softmax probabilities and the arg-max label of each text, batch by batch (each padded to its
 * longest row), in eval mode and without a graph.
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
  },
): Generator<Prediction> {
  model.eval();
  const n = labels.length;
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
      const probs = softmax(row);
      let best = 0;
      for (let j = 1; j < n; j++) if (row[j] > row[best]) best = j;
      yield { label: labels[best], probs, logits: row };
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
