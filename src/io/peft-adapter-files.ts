import { UserError } from '../errors.js';
import type { Module } from '../nn/module.js';
import { Rng } from '../tensor/random.js';
import { shapeToString, type Tensor } from '../tensor/tensor.js';
import {
  ADAPTER_CONFIG_NAME,
  cloneLoraConfig,
  serializeLoraConfig,
  type LoraConfig,
} from '../lora/config.js';
import { applyLora, loraLayers, planLora, type LoraPlan } from '../lora/inject.js';
import { SEQ_CLS_HEAD_NAMES } from '../lora/modules-to-save.js';
import { loraStateOf, type LoraState } from '../lora/state.js';
import { serializeSafetensors } from './safetensors-format.js';
import { isWeight, type StateDict } from './state-dict.js';

// A PEFT adapter as contents (its config and its tensors), in Node and in a browser;
// peft-adapter.ts reads and writes adapter folders.

/** PEFT's weights file inside an adapter folder. */
export const ADAPTER_WEIGHTS_NAME = 'adapter_model.safetensors';
/** Every saved key starts with this: PeftModel.base_model (LoraModel) .model (the transformers model). */
const PEFT_KEY_PREFIX = 'base_model.model.';

/**
 * Our parameter name for a PEFT name, saved (`base_model.model.x.lora_A.weight`) or in memory
 * (`base_model.model.x.lora_A.default.weight`, `base_model.model.classifier.modules_to_save.default.weight`).
 * PEFT's in-memory names carry the adapter name ('default') and the ModulesToSaveWrapper's inner path;
 * ours carry neither.
 */
export function fromPeftParameterName(name: string, adapterName = 'default'): string {
  let n = name.startsWith(PEFT_KEY_PREFIX) ? name.slice(PEFT_KEY_PREFIX.length) : name;
  n = n.replace(new RegExp(`\\.(lora_A|lora_B)\\.${escapeRegExp(adapterName)}\\.`, 'g'), '.$1.');
  n = n.replace(new RegExp(`\\.modules_to_save\\.${escapeRegExp(adapterName)}\\.`, 'g'), '.');
  return n;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The tensors PEFT saves for this model's adapter, under PEFT's keys: every `lora_A` / `lora_B`, every
 * parameter of the modules_to_save modules (under the module's own path, as PEFT writes them), and the
 * biases that `bias` makes trainable (`base_layer.bias` inside adapted layers, as PEFT names them).
 */
export function peftAdapterStateDict(model: Module, config?: LoraConfig): StateDict {
  const state = requireLoraState(model);
  const bias = (config ?? state.config).bias;
  const out: StateDict = new Map();
  const put = (name: string, p: Tensor): void => {
    out.set(`${PEFT_KEY_PREFIX}${name}`, { shape: [...p.shape], data: p.data });
  };
  for (const [path, layer] of loraLayers(model)) {
    put(`${path}.lora_A.weight`, layer.lora_A.weight);
    put(`${path}.lora_B.weight`, layer.lora_B.weight);
    if (bias === 'lora_only' && layer.base_layer.bias) put(`${path}.base_layer.bias`, layer.base_layer.bias);
  }
  if (bias === 'all') {
    for (const [name, p] of model.namedParameters()) if (name.includes('bias')) put(name, p);
  }
  for (const path of state.modulesToSave) {
    const module = model.getSubmodule(path);
    if (!module) continue;
    for (const [name, p] of module.namedParameters(path)) put(name, p);
  }
  return out;
}

export interface SavePeftAdapterOptions {
  /** Recorded as `base_model_name_or_path`: the base model's directory or hub name. */
  baseModelNameOrPath?: string;
}

/**
 * The two files of a PEFT adapter folder, as bytes: `adapter_config.json` (PEFT 0.21's fields;
 * `inference_mode` true, as PEFT's save_pretrained writes it) and `adapter_model.safetensors` with PEFT's
 * key names. `config` defaults to the config the model's LoRA was applied with.
 */
export function peftAdapterFiles(
  model: Module,
  config?: LoraConfig,
  options: SavePeftAdapterOptions = {},
): { config: string; weights: Uint8Array } {
  const state = requireLoraState(model);
  const saved = cloneLoraConfig(config ?? state.config);
  saved.inference_mode = true;
  if (options.baseModelNameOrPath !== undefined) saved.base_model_name_or_path = options.baseModelNameOrPath;
  // A merged model still holds its factors intact, so what is saved is the same adapter either way.
  return {
    config: serializeLoraConfig(saved),
    weights: serializeSafetensors(peftAdapterStateDict(model, saved), { format: 'pt' }),
  };
}

function requireLoraState(model: Module): LoraState {
  const state = loraStateOf(model);
  if (!state) throw new UserError('The model has no LoRA adapter to save; apply or load one first.');
  return state;
}

export interface PeftAdapterFiles {
  config: LoraConfig;
  /** The weights under their keys as stored (`base_model.model.…`). */
  tensors: StateDict;
}

export interface LoadPeftAdapterOptions {
  /** Draws the (immediately overwritten) initial LoRA weights; any seed gives the same result. */
  rng?: Rng;
  /**
   * PEFT's `is_trainable`: false (the default, as in PEFT's from_pretrained) freezes everything for
   * inference; true marks the LoRA factors, modules_to_save and chosen biases trainable, to train on.
   */
  trainable?: boolean;
}

/**
 * Puts an adapter's contents into a base model: checks every tensor against the modules its config
 * selects (before changing anything, so a refused adapter leaves the model as it was), injects LoRA
 * and copies the weights in. `file` names the weights in messages.
 */
export function applyPeftAdapter(
  model: Module,
  files: PeftAdapterFiles,
  file: string,
  options: LoadPeftAdapterOptions = {},
): LoraState {
  const config = cloneLoraConfig(files.config);
  config.inference_mode = !options.trainable;
  const plan = planLora(model, config);
  const assignments = matchAdapterTensors(model, plan, files.tensors, file);

  const state = applyLora(model, config, options.rng ?? new Rng(0));
  for (const { name, data } of assignments) {
    const target = findParameter(model, name);
    target.data.set(data);
  }
  return state;
}

interface Expected {
  /** Our parameter name once LoRA is injected. */
  name: string;
  shape: readonly number[];
  /** The module the tensor belongs to, for messages. */
  module: string;
  required: boolean;
  why: string;
}

function matchAdapterTensors(
  model: Module,
  plan: LoraPlan,
  tensors: StateDict,
  file: string,
): { name: string; data: Float32Array }[] {
  const expected = new Map<string, Expected>();
  const expect = (e: Expected): void => {
    expected.set(e.name, e);
  };
  const targetPaths = new Set(plan.targets.map((t) => t.path));
  for (const t of plan.targets) {
    const rNote = `r = ${t.r} in ${ADAPTER_CONFIG_NAME}`;
    expect({
      name: `${t.path}.lora_A.weight`,
      shape: [t.r, t.base.inFeatures],
      module: t.path,
      required: true,
      why: rNote,
    });
    expect({
      name: `${t.path}.lora_B.weight`,
      shape: [t.base.outFeatures, t.r],
      module: t.path,
      required: true,
      why: rNote,
    });
  }
  const bias = plan.config.bias;
  // Optional: PEFT's own saving of 'lora_only' biases is unreliable, and a missing bias keeps the base one.
  for (const t of plan.targets) {
    if (bias !== 'none' && t.base.bias) {
      expect({
        name: `${t.path}.base_layer.bias`,
        shape: t.base.bias.shape,
        module: t.path,
        required: false,
        why: '',
      });
    }
  }
  if (bias === 'all') {
    for (const [name, p] of model.namedParameters()) {
      if (!name.includes('bias')) continue;
      const owner = name.slice(0, name.lastIndexOf('.'));
      if (targetPaths.has(owner)) continue;
      expect({ name, shape: p.shape, module: owner, required: false, why: '' });
    }
  }
  for (const path of plan.modulesToSave) {
    const module = model.getSubmodule(path);
    if (!module) continue;
    const why = SEQ_CLS_HEAD_NAMES.includes(path)
      ? 'the adapter was trained for another number of labels'
      : '';
    for (const [name, p] of module.namedParameters(path)) {
      expect({ name, shape: p.shape, module: path, required: true, why });
    }
  }

  const assignments: { name: string; data: Float32Array }[] = [];
  const seen = new Set<string>();
  for (const [key, entry] of tensors) {
    if (!key.startsWith(PEFT_KEY_PREFIX)) {
      throw new UserError(
        `${file} holds tensor ${key}, which lacks PEFT's "${PEFT_KEY_PREFIX}" prefix, so it is not a PEFT adapter.`,
      );
    }
    // PEFT artefacts of bias "all" beside modules_to_save: its saved state dict also holds the frozen
    // original (nothing for us) and the trained copy's bias a second time (the same values).
    if (key.includes('.original_module.')) continue;
    let name = fromPeftParameterName(key).replace('.modules_to_save.', '.');
    // A bias of an adapted layer may be saved under the plain layer name.
    const owner = name.slice(0, name.lastIndexOf('.'));
    if (name.endsWith('.bias') && targetPaths.has(owner)) name = `${owner}.base_layer.bias`;
    const want = expected.get(name);
    if (!want) throw new UserError(unexpectedTensorMessage(model, plan, key, name, file));
    if (!isWeight(entry))
      throw new UserError(`Adapter tensor ${key} in ${file} holds integers, not weights.`);
    if (!sameShape(entry.shape, want.shape)) {
      const why = want.why ? ` (${want.why})` : '';
      throw new UserError(
        `Adapter tensor ${key} has shape ${shapeToString(entry.shape)} but module ${want.module} expects ${shapeToString(want.shape)}${why}.`,
      );
    }
    seen.add(name);
    assignments.push({ name, data: entry.data });
  }
  for (const want of expected.values()) {
    if (!want.required || seen.has(want.name)) continue;
    const isLora = want.name.includes('.lora_A.') || want.name.includes('.lora_B.');
    throw new UserError(
      isLora
        ? `The adapter in ${file} has no tensor ${PEFT_KEY_PREFIX}${want.name} for target module ${want.module}.`
        : `The adapter in ${file} has no tensor ${PEFT_KEY_PREFIX}${want.name} for ${want.module}, which modules_to_save lists.`,
    );
  }
  return assignments;
}

function unexpectedTensorMessage(
  model: Module,
  plan: LoraPlan,
  key: string,
  name: string,
  file: string,
): string {
  const lora = /^(.*)\.(lora_A|lora_B)\.weight$/.exec(name);
  if (lora) {
    const path = lora[1];
    const module = model.getSubmodule(path);
    if (!module) return `Adapter tensor ${key} is for module ${path}, which the base model does not have.`;
    return `Adapter tensor ${key} is for module ${path}, which the adapter's target_modules do not select in this model.`;
  }
  if (plan.config.bias === 'none' && name.endsWith('bias')) {
    return `Adapter tensor ${key} is a bias, but the adapter's config says bias "none".`;
  }
  return `Adapter tensor ${key} in ${file} matches no LoRA layer, modules_to_save module or trainable bias of the base model.`;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function findParameter(model: Module, name: string): Tensor {
  const dot = name.lastIndexOf('.');
  const module = model.getSubmodule(name.slice(0, dot));
  const p = module ? [...module.namedParameters()].find(([n]) => n === name.slice(dot + 1)) : undefined;
  if (!p) throw new Error(`Parameter ${name} vanished between planning and loading.`);
  return p[1];
}
