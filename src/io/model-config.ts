import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import type { ClassifierConfig, TokenizerFallback } from '../models/family.js';
import { familyOf, readModelConfig } from '../models/registry.js';

/**
 * The config of a Hugging Face model directory, read by its family (model_type), with one-sentence
 * errors for what a user can get wrong.
 */
export function readModelConfigFile(dir: string): ClassifierConfig {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new UserError(`The model directory ${dir} does not exist.`);
  }
  const path = join(dir, 'config.json');
  if (!existsSync(path)) {
    throw new UserError(`${dir} has no config.json, so it is not a Hugging Face model directory.`);
  }
  return readModelConfig(readJson(path), path);
}

/**
 * How the family of a model directory tokenizes without tokenizer.json: config.json's model_type
 * decides, and a directory without config.json (tokenizer files alone) is read as BERT's, as
 * familyOf reads a config without model_type.
 */
export function tokenizerFallbackOf(dir: string): TokenizerFallback {
  const path = join(dir, 'config.json');
  const json = existsSync(path) ? readJson(path) : {};
  const modelType = (json as { model_type?: unknown } | null)?.model_type;
  return familyOf(typeof modelType === 'string' ? modelType : undefined, path).tokenizerFallback;
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new UserError(`${path} is not valid JSON (${reason.replace(/\.$/, '')}).`);
  }
}
