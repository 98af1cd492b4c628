import type { Module } from '../nn/module.js';
import type { LoraConfig } from './config.js';

/**
 * What `applyLora` did to a model: the config as applied (SEQ_CLS head names added, 'all-linear' and a
 * null target list expanded), the adapted module paths and the modules trained in full. Kept beside the
 * model rather than on it, so that a model stays a plain module tree.
 */
export interface LoraState {
  readonly config: LoraConfig;
  readonly targets: readonly string[];
  readonly modulesToSave: readonly string[];
}

const states = new WeakMap<Module, LoraState>();

export function loraStateOf(model: Module): LoraState | undefined {
  return states.get(model);
}

export function setLoraState(model: Module, state: LoraState | undefined): void {
  if (state) states.set(model, state);
  else states.delete(model);
}
