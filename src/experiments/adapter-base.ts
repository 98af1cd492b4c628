import { existsSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { UserError } from '../errors.js';
import { readPeftAdapter } from '../io/peft-adapter.js';
import { sharedPath } from '../io/shared-dir.js';
import { DEFAULT_HUB_MODEL, isCompleteModelDir, resolveBaseModel } from './sources.js';

/** Names under which bert-tiny goes: the study's own base, which the shared stand-in may replace. */
const BERT_TINY_NAMES = new Set([DEFAULT_HUB_MODEL, 'bert-tiny', 'bert-tiny-mlm']);

/**
 * The base model an adapter names (`base_model_name_or_path` in its adapter_config.json), found on this
 * machine: the path itself (from here, then beside the adapter folder), then a folder of that name
 * under models/ or the shared models, and for bert-tiny the stand-ins `experiments` uses. A base found
 * nowhere is a UserError listing every place looked at.
 */
export function resolveAdapterBase(adapterDir: string): string {
  const config = readPeftAdapter(adapterDir).config;
  const configPath = join(adapterDir, 'adapter_config.json');
  const name = config.base_model_name_or_path;
  if (typeof name !== 'string' || name.trim() === '') {
    throw new UserError(`${configPath} names no base model (base_model_name_or_path); give it with --model.`);
  }
  const candidates = isAbsolute(name) ? [name] : [resolve(name), resolve(dirname(resolve(adapterDir)), name)];
  const leaf = basename(name);
  candidates.push(resolve('models', leaf), sharedPath('models', leaf));
  if (BERT_TINY_NAMES.has(name) || BERT_TINY_NAMES.has(leaf)) {
    const standIn = resolveBaseModel();
    if (standIn.kind !== 'download') candidates.push(standIn.path);
  }
  const looked = [...new Set(candidates)];
  const found = looked.find(isCompleteModelDir);
  if (found) return found;
  throw new UserError(
    `The base model "${name}" that ${configPath} names was not found (looked in ${looked.join(', ')}); give it with --model.`,
  );
}

/** An adapter folder (adapter_config.json, no config.json) given where a model belongs. */
export function isAdapterFolder(dir: string): boolean {
  return existsSync(join(dir, 'adapter_config.json')) && !existsSync(join(dir, 'config.json'));
}
