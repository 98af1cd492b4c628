import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import type { SequenceClassifier } from '../models/family.js';
import { writeFileAtomic } from './atomic-write.js';
import {
  loadSequenceClassifierFrom,
  shardFiles,
  type LoadClassifierOptions,
  type LoadedClassifier,
  type ModelFileSource,
} from './classifier-files.js';
import { configJsonText } from './config-json.js';
import { readPytorchBin } from './pytorch-pickle.js';
import { writeSafetensors } from './safetensors.js';
import type { StateDict } from './state-dict.js';
import { saveTokenizerFiles, type TokenizerFileContents } from './tokenizer-files.js';

export type { LoadClassifierOptions, LoadedClassifier, ModelFileSource } from './classifier-files.js';

/**
 * Loads a Hugging Face model directory (config.json plus model.safetensors or pytorch_model.bin, sharded
 * or not) as its family's …ForSequenceClassification; see loadSequenceClassifierFrom.
 */
export async function loadSequenceClassifier(
  dir: string,
  options: LoadClassifierOptions,
): Promise<LoadedClassifier> {
  return loadSequenceClassifierFrom(modelFolder(dir), options);
}

/** A model directory on disk as a file source; pytorch_model.bin (sharded or not) is its other format. */
export function modelFolder(dir: string): ModelFileSource {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new UserError(`The model directory ${dir} does not exist.`);
  }
  const pathOf = (name: string): string => join(dir, name);
  const read = async (name: string): Promise<Uint8Array | null> =>
    existsSync(pathOf(name)) ? readFileSync(pathOf(name)) : null;
  return {
    where: dir,
    pathOf,
    read,
    async otherWeights() {
      const bin = pathOf('pytorch_model.bin');
      if (existsSync(bin)) return { state: await readPytorchBin(bin), source: bin };
      const binIndex = pathOf('pytorch_model.bin.index.json');
      if (!existsSync(binIndex)) return null;
      const state: StateDict = new Map();
      for (const shard of shardFiles(readFileSync(binIndex), binIndex))
        for (const [k, v] of await readPytorchBin(pathOf(shard))) state.set(k, v);
      return { state, source: binIndex };
    },
  };
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
