import type { Module } from '../nn/module.js';
import type { LoraConfig } from './config.js';
import { LoRALinear } from './lora-linear.js';

/**
 * PEFT's `_mark_only_adapters_as_trainable` plus its modules_to_save handling: the LoRA factors, the
 * modules trained in full and the biases the config asks for require a gradient; everything else is
 * frozen (so the ops skip its gradient work).
 *   bias 'all'       → every parameter whose name contains "bias" (LayerNorm biases too, as in PEFT);
 *   bias 'lora_only' → the biases of the adapted layers.
 */
export function markOnlyLoraTrainable(
  model: Module,
  config: Pick<LoraConfig, 'bias'>,
  modulesToSave: readonly string[],
): void {
  for (const [, p] of model.namedParameters()) p.requiresGrad = false;
  for (const [, m] of model.namedModules()) {
    if (!(m instanceof LoRALinear)) continue;
    m.lora_A.weight.requiresGrad = true;
    m.lora_B.weight.requiresGrad = true;
    if (config.bias === 'lora_only' && m.base_layer.bias) m.base_layer.bias.requiresGrad = true;
  }
  if (config.bias === 'all') {
    for (const [name, p] of model.namedParameters()) if (name.includes('bias')) p.requiresGrad = true;
  }
  for (const path of modulesToSave) {
    const module = model.getSubmodule(path);
    if (module) module.setRequiresGrad(true);
  }
}

/** Freezes every parameter (PEFT's inference mode: `from_pretrained` without `is_trainable`). */
export function freezeAll(model: Module): void {
  model.setRequiresGrad(false);
}
