import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import type { Module } from '../nn/module.js';
import { ADAPTER_CONFIG_NAME, parseLoraConfig, type LoraConfig } from '../lora/config.js';
import type { LoraState } from '../lora/state.js';
import { writeFileAtomic } from './atomic-write.js';
import {
  ADAPTER_WEIGHTS_NAME,
  applyPeftAdapter,
  peftAdapterFiles,
  type LoadPeftAdapterOptions,
  type PeftAdapterFiles,
  type SavePeftAdapterOptions,
} from './peft-adapter-files.js';
import { readSafetensors } from './safetensors.js';

export {
  fromPeftParameterName,
  peftAdapterStateDict,
  type LoadPeftAdapterOptions,
  type PeftAdapterFiles,
  type SavePeftAdapterOptions,
} from './peft-adapter-files.js';

/**
 * Writes a PEFT adapter folder (the files of peftAdapterFiles), each file written atomically.
 * `config` defaults to the config the model's LoRA was applied with.
 */
export function savePeftAdapter(
  model: Module,
  dir: string,
  config?: LoraConfig,
  options: SavePeftAdapterOptions = {},
): void {
  const files = peftAdapterFiles(model, config, options);
  writeFileAtomic(join(dir, ADAPTER_WEIGHTS_NAME), files.weights);
  writeFileAtomic(join(dir, ADAPTER_CONFIG_NAME), files.config);
}

/** Reads an adapter folder without touching any model (to inspect it, e.g. the classifier's label count). */
export function readPeftAdapter(dir: string): PeftAdapterFiles {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new UserError(`There is no adapter folder at ${dir}.`);
  }
  const configPath = join(dir, ADAPTER_CONFIG_NAME);
  if (!existsSync(configPath)) {
    throw new UserError(`${dir} has no ${ADAPTER_CONFIG_NAME}, so it is not a PEFT adapter folder.`);
  }
  const config = parseLoraConfig(readFileSync(configPath, 'utf8'), configPath);
  const weightsPath = join(dir, ADAPTER_WEIGHTS_NAME);
  if (!existsSync(weightsPath)) {
    const legacy = existsSync(join(dir, 'adapter_model.bin'));
    throw new UserError(
      legacy
        ? `${dir} holds adapter_model.bin (PyTorch pickle); LoRA Lab reads adapters saved as ${ADAPTER_WEIGHTS_NAME} (PEFT's default).`
        : `${dir} has no ${ADAPTER_WEIGHTS_NAME}.`,
    );
  }
  return { config, tensors: readSafetensors(weightsPath).tensors };
}

/**
 * Loads a PEFT LoRA adapter folder into a base model (see applyPeftAdapter). An adapter made for another
 * architecture, rank or label count is refused with a sentence naming the tensor and the module.
 */
export function loadPeftAdapter(model: Module, dir: string, options: LoadPeftAdapterOptions = {}): LoraState {
  return applyPeftAdapter(model, readPeftAdapter(dir), join(dir, ADAPTER_WEIGHTS_NAME), options);
}
