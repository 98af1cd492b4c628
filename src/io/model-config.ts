import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import type { ClassifierConfig } from '../models/family.js';
import { readModelConfig } from '../models/registry.js';

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
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new UserError(`${path} is not valid JSON (${reason.replace(/\.$/, '')}).`);
  }
  return readModelConfig(json, path);
}
