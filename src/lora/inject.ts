import { UserError } from '../errors.js';
import { Linear } from '../nn/linear.js';
import type { Module } from '../nn/module.js';
import type { Rng } from '../tensor/random.js';
import { cloneLoraConfig, validateLoraConfig, type LoraConfig } from './config.js';
import { LoRALinear } from './lora-linear.js';
import { SEQ_CLS_HEAD_NAMES, effectiveModulesToSave, findModulesToSave } from './modules-to-save.js';
import { setLoraState, loraStateOf, type LoraState } from './state.js';
import { parentOf, swapChild } from './swap.js';
import { matchesTarget, rankAndAlphaFor } from './target-match.js';
import { freezeAll, markOnlyLoraTrainable } from './trainable.js';

/** PEFT's shorthand for "every Linear but the output head". */
export const ALL_LINEAR = 'all-linear';

export interface LoraTarget {
  /** Dotted path of the Linear to wrap, e.g. `bert.encoder.layer.0.attention.self.query`. */
  path: string;
  base: Linear;
  r: number;
  alpha: number;
}

/** What `applyLora` will do, worked out without touching the model (the adapter loader checks files against it). */
export interface LoraPlan {
  config: LoraConfig;
  targets: LoraTarget[];
  modulesToSave: string[];
}

/**
 * Resolves a config against a model: the config as PEFT would hold it after injection (SEQ_CLS heads
 * in `modules_to_save`, null or 'all-linear' targets expanded to a list), the Linear layers to wrap and
 * the modules to train in full. Throws a UserError when a target is not a Linear, when nothing matches,
 * or when the model already carries LoRA layers.
 */
export function planLora(model: Module, config: LoraConfig): LoraPlan {
  validateLoraConfig(config);
  const existing = [...model.namedModules()].find(([, m]) => m instanceof LoRALinear);
  if (existing || loraStateOf(model)) {
    const where = existing ? ` (at ${existing[0]})` : '';
    throw new UserError(
      `The model already carries a LoRA adapter${where}; merge or unload it before applying another.`,
    );
  }
  const effective = cloneLoraConfig(config);
  effective.modules_to_save = effectiveModulesToSave(config.modules_to_save, config.task_type);
  if (effective.target_modules === null) effective.target_modules = [...familyDefaultTargets(model)];
  else if (
    typeof effective.target_modules === 'string' &&
    effective.target_modules.toLowerCase() === ALL_LINEAR
  ) {
    effective.target_modules = allLinearPaths(model, effective.task_type);
  }

  const targets: LoraTarget[] = [];
  for (const [path, module] of model.namedModules()) {
    if (!matchesTarget(effective, path)) continue;
    if (!(module instanceof Linear)) {
      throw new UserError(
        `Target module ${path} is a ${module.constructor.name}, not a Linear layer; LoRA Lab adapts only Linear layers, so narrow target_modules.`,
      );
    }
    targets.push({ path, base: module, ...rankAndAlphaFor(effective, path) });
  }
  if (targets.length === 0) throw new UserError(noMatchMessage(model, effective.target_modules));
  return { config: effective, targets, modulesToSave: findModulesToSave(model, effective.modules_to_save) };
}

/** What a model offers LoRA when a config names no targets (every family's classifier has it). */
interface HasDefaultTargets {
  readonly defaultLoraTargets?: readonly string[];
}

function familyDefaultTargets(model: Module): readonly string[] {
  const defaults = (model as Module & HasDefaultTargets).defaultLoraTargets;
  if (!defaults || defaults.length === 0) {
    throw new UserError(
      'This model has no default LoRA targets; name them (target_modules, --lora-targets).',
    );
  }
  return defaults;
}

function noMatchMessage(model: Module, targets: LoraConfig['target_modules']): string {
  const names = [
    ...new Set(
      [...model.namedModules()].filter(([, m]) => m instanceof Linear).map(([p]) => p.split('.').pop()),
    ),
  ].join(', ');
  if (typeof targets === 'string') {
    return `No module of the model matches target_modules ${JSON.stringify(targets)} (a pattern must match a module's whole dotted path); its Linear layers are named ${names}.`;
  }
  const list = (targets ?? []).map((t) => JSON.stringify(t)).join(', ');
  return `No module of the model matches target_modules [${list}]; its Linear layers are named ${names}.`;
}

/**
 * PEFT's `_maybe_include_all_linear_layers`: every Linear's full path, less the classification head of
 * a SEQ_CLS model (its first direct child named as PEFT's SEQ_CLS head names).
 */
function allLinearPaths(model: Module, taskType: string | null): string[] {
  const paths = [...model.namedModules()].filter(([, m]) => m instanceof Linear).map(([p]) => p);
  if (taskType !== 'SEQ_CLS') return paths;
  const head = SEQ_CLS_HEAD_NAMES.find((name) => model.child(name) !== undefined);
  return head ? paths.filter((p) => p !== head) : paths;
}

/**
 * Wraps every Linear the config targets in a LoRALinear (A kaiming-uniform from `rng`, B zero unless
 * `init_lora_weights` says otherwise), then marks as trainable only the LoRA factors, the
 * `modules_to_save` modules and the biases `bias` names. With `inference_mode` set, everything stays
 * frozen, as in PEFT. The base layers' weights are not copied or changed.
 */
export function applyLora(model: Module, config: LoraConfig, rng: Rng): LoraState {
  const plan = planLora(model, config);
  const { config: effective } = plan;
  for (const target of plan.targets) {
    const { parent, name } = parentOf(model, target.path);
    const wrapper = new LoRALinear(
      target.base,
      {
        r: target.r,
        alpha: target.alpha,
        dropout: effective.lora_dropout,
        useRslora: effective.use_rslora,
        init: effective.init_lora_weights,
      },
      rng,
    );
    wrapper.train(target.base.training);
    swapChild(parent, name, wrapper);
  }
  if (effective.inference_mode) freezeAll(model);
  else markOnlyLoraTrainable(model, effective, plan.modulesToSave);
  const state: LoraState = {
    config: effective,
    targets: plan.targets.map((t) => t.path),
    modulesToSave: plan.modulesToSave,
  };
  setLoraState(model, state);
  return state;
}

/** Every LoRALinear in the model with its path. */
export function loraLayers(model: Module): [string, LoRALinear][] {
  const found: [string, LoRALinear][] = [];
  for (const [path, m] of model.namedModules()) if (m instanceof LoRALinear) found.push([path, m]);
  return found;
}
