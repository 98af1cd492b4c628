import type { TextCleaning } from '../data/split-files.js';
import { readLabelNames } from '../experiments/classifier.js';
import { recordedTextCleaning } from '../experiments/text-preprocessing.js';
import { fromPeftParameterName, loadPeftAdapter, readPeftAdapter } from '../io/peft-adapter.js';
import { adapterPartsOf, type AdapterParts } from '../lora/multi-adapter.js';
import { loraStateOf } from '../lora/state.js';
import { defaultLabels } from '../models/common/labels.js';
import { isMultiLabel } from '../models/common/problem-type.js';
import type { ClassifierConfig, ModelFamily } from '../models/family.js';
import type { Module } from '../nn/module.js';
import { Rng } from '../tensor/random.js';
import { UserError } from '../errors.js';

/** What the server knows of its base model when it reads an adapter for it. */
export interface BaseModelInfo {
  dir: string;
  family: ModelFamily;
  config: ClassifierConfig;
  /** Parameters the base checkpoint lacked (an MLM base's classifier head): an adapter must bring them. */
  untrained: readonly string[];
}

export interface ServableAdapter {
  parts: AdapterParts;
  labels: string[];
  /** One sigmoid per label (its label_map.json's or config.json's problem_type; else the base's). */
  multiLabel: boolean;
  cleaning: TextCleaning;
  r: number;
  loraAlpha: number;
  targets: string[];
  modulesToSave: string[];
}

/**
 * Reads a PEFT adapter folder for a server that shares one base model between adapters. The adapter is
 * loaded, with every check `loadPeftAdapter` makes (target modules present, every tensor's shape,
 * PEFT's key names), into a scratch model of the base's architecture sized to the adapter's labels;
 * its weights are then taken out of it and the scratch model dropped. The biases it trains (bias "all"
 * or "lora_only") become its own in their layers, Linear layers and LayerNorms. Refused, with the
 * reason: an adapter that does not fit the base, one that trains a bias of another kind of module (it
 * cannot be switched per row), and one that leaves a part of the model untrained (a base without a
 * head, an adapter without one).
 */
export function readServableAdapter(dir: string, base: BaseModelInfo): ServableAdapter {
  const files = readPeftAdapter(dir);
  const covers = new Set<string>();
  let headSize: number | undefined;
  for (const [key, entry] of files.tensors) {
    const name = fromPeftParameterName(key);
    covers.add(name);
    if (name === base.family.labelsWeight) headSize = entry.shape[0];
  }
  const untrained = base.untrained.filter((name) => !covers.has(name));
  if (untrained.length > 0) {
    throw new UserError(
      `The base model has no trained ${untrained[0]} and the adapter in ${dir} brings none, so its predictions would be random.`,
    );
  }
  const size = headSize ?? base.config.numLabels;
  const named = readLabelNames(dir);
  if (named && named.names.length !== size) {
    throw new UserError(
      `${named.path} names ${named.names.length} labels, but the adapter's classifier has ${size}.`,
    );
  }
  const labels = named?.names ?? (headSize === undefined ? [...base.config.labels] : defaultLabels(headSize));
  const scratch = base.family.create(base.config.withLabels(labels), new Rng(0), { initialize: false });
  loadPeftAdapter(scratch, dir);
  const state = loraStateOf(scratch)!;
  const parts = adapterPartsOf(scratch, carriedBiases(scratch, covers));
  const config = state.config;
  return {
    parts,
    labels,
    multiLabel: named ? named.multiLabel : isMultiLabel(base.config.problemType),
    cleaning: recordedTextCleaning([dir, base.dir]),
    r: config.r,
    loraAlpha: config.lora_alpha,
    targets: [...state.targets],
    modulesToSave: [...state.modulesToSave],
  };
}

/**
 * The biases the adapter file carries, by their names in the scratch model: a bias of an adapted layer
 * is saved under the plain layer's name (PEFT's "…query.bias") or the injected one ("…base_layer.bias").
 */
function carriedBiases(scratch: Module, covers: ReadonlySet<string>): Set<string> {
  const carried = new Set<string>();
  for (const [name] of scratch.namedParameters()) {
    if (!name.endsWith('.bias')) continue;
    if (covers.has(name) || covers.has(name.replace('.base_layer.bias', '.bias'))) carried.add(name);
  }
  return carried;
}
