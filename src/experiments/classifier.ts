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
import { Rng } from '../tensor/random.js';
import { TextTokenizer } from '../text/tokenizer.js';
import { isAdapterFolder, resolveAdapterBase } from './adapter-base.js';

export { predictTexts, type Prediction } from './predict-texts.js';

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

/** The sequence cap: the flag's value (refused beyond the model's positions), else 128 or the model's limit if lower. */
export function resolveMaxLen(requested: number | undefined, model: SequenceClassifier): number {
  const positions = model.config.maxLength;
  if (requested === undefined) return Math.min(128, positions);
  if (requested > positions) {
    throw new UserError(`--max-len ${requested} exceeds the model's ${positions} positions.`);
  }
  return requested;
}
