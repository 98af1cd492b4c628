import { UserError } from '../errors.js';
import { LayerNorm } from '../nn/layer-norm.js';
import { Linear } from '../nn/linear.js';
import type { Module } from '../nn/module.js';
import type { Tensor } from '../tensor/tensor.js';
import type { AdapterRouting } from './adapter-routing.js';
import { loraLayers } from './inject.js';
import { mergedWeight } from './merge.js';
import { MultiAdapterLayerNorm } from './multi-adapter-layer-norm.js';
import { MultiAdapterLinear, type AdapterSlot } from './multi-adapter-linear.js';
import { loraStateOf } from './state.js';
import { parentOf, swapChild } from './swap.js';

/** An adapter's weights by the path of the Linear each belongs to, ready to attach to a shared base. */
export interface AdapterParts {
  /** The low-rank updates: `path` names the adapted Linear; `bias`, the adapter's trained bias of it. */
  lora: { path: string; A: Tensor; B: Tensor; scaling: number; bias?: Tensor }[];
  /** The Linear layers of the adapter's modules_to_save copies (its classifier head, say). */
  replaced: { path: string; weight: Tensor; bias: Tensor | null }[];
  /**
   * Trained biases of layers it does not adapt (PEFT's bias "all"): of a Linear (the base weight with
   * this bias) or of a LayerNorm (the base norm's weight with this bias).
   */
  biases: { path: string; bias: Tensor }[];
}

/**
 * The parts of the adapter loaded into `model` (by loadPeftAdapter): each LoRA layer's factors and
 * scale, the Linear layers of its modules_to_save modules, and the biases its file carried
 * (`carriedBiases`, parameter names of `model`; bias "all" or "lora_only"). A bias is switched per
 * row in a Linear layer or a LayerNorm; a bias of any other module, and a modules_to_save module with
 * weights outside Linear layers, are refused.
 */
export function adapterPartsOf(model: Module, carriedBiases: ReadonlySet<string> = new Set()): AdapterParts {
  const state = loraStateOf(model);
  if (!state) throw new Error('adapterPartsOf needs a model that carries a LoRA adapter.');
  const lora = loraLayers(model).map(([path, layer]) => ({
    path,
    A: layer.lora_A.weight,
    B: layer.lora_B.weight,
    scaling: layer.scaling,
    ...(layer.base_layer.bias && carriedBiases.has(`${path}.base_layer.bias`)
      ? { bias: layer.base_layer.bias }
      : {}),
  }));
  const adapted = new Set(lora.map((l) => `${l.path}.base_layer.bias`));
  const saved = state.modulesToSave;
  const biases: AdapterParts['biases'] = [];
  for (const name of carriedBiases) {
    if (adapted.has(name) || saved.some((path) => name.startsWith(`${path}.`))) continue;
    const path = name.slice(0, name.lastIndexOf('.'));
    const owner = model.getSubmodule(path);
    if (!(owner instanceof Linear || owner instanceof LayerNorm) || owner.bias === null) {
      const kind = owner?.constructor.name ?? 'module';
      throw new UserError(
        `The adapter trains ${name}, the bias of ${/^[AEIOU]/.test(kind) ? 'an' : 'a'} ${kind} rather than of a Linear layer or a LayerNorm; a server shares one base model between adapters and can switch only those per request.`,
      );
    }
    biases.push({ path, bias: owner.bias });
  }
  const replaced: AdapterParts['replaced'] = [];
  for (const path of state.modulesToSave) {
    const module = model.getSubmodule(path);
    if (!module) continue;
    const covered = new Set<string>();
    for (const [sub, m] of module.namedModules(path)) {
      if (!(m instanceof Linear)) continue;
      replaced.push({ path: sub, weight: m.weight, bias: m.bias });
      covered.add(`${sub}.weight`).add(`${sub}.bias`);
    }
    const other = [...module.namedParameters(path)].find(([name]) => !covered.has(name));
    if (other) {
      throw new UserError(
        `The adapter's modules_to_save module ${path} holds ${other[0]}, which is not part of a Linear layer; a server shares one base model between adapters and can switch only Linear layers per request.`,
      );
    }
  }
  return { lora, replaced, biases };
}

/**
 * Gives `model` the adapter `name`: every Linear it adapts or replaces becomes (or already is) a
 * MultiAdapterLinear on `routing`, and every LayerNorm whose bias it trained a MultiAdapterLayerNorm,
 * holding this adapter's part beside the others'. Every path is checked before anything changes, so a
 * refused adapter leaves the model as it was.
 */
export function attachAdapter(
  model: Module,
  routing: AdapterRouting,
  name: string,
  parts: AdapterParts,
): void {
  const slots: [string, AdapterSlot][] = [
    ...parts.lora.map(({ path, A, B, scaling, bias }): [string, AdapterSlot] => [
      path,
      bias === undefined ? { kind: 'lora', A, B, scaling } : { kind: 'lora', A, B, scaling, bias },
    ]),
    ...parts.replaced.map(({ path, weight, bias }): [string, AdapterSlot] => [
      path,
      { kind: 'replace', weight, bias },
    ]),
  ];
  const layerAt = (path: string): Linear | MultiAdapterLinear => {
    const layer = model.getSubmodule(path);
    if (!(layer instanceof Linear) && !(layer instanceof MultiAdapterLinear)) {
      throw new UserError(
        `Adapter ${name} has weights for ${path}, which is not a Linear layer of the model.`,
      );
    }
    return layer;
  };
  for (const [path] of slots) layerAt(path);
  const normBiases: [string, Tensor][] = [];
  for (const { path, bias } of parts.biases) {
    const layer = model.getSubmodule(path);
    if (layer instanceof LayerNorm || layer instanceof MultiAdapterLayerNorm) normBiases.push([path, bias]);
    // A trained bias of a layer it does not adapt: the shared base weight (no copy) with its own bias.
    else slots.push([path, { kind: 'replace', weight: layerAt(path).weight, bias }]);
  }
  for (const [path, slot] of slots) {
    wrapperAt(
      model,
      path,
      MultiAdapterLinear,
      (layer: Linear) => new MultiAdapterLinear(layer, routing),
    ).setAdapter(name, slot);
  }
  for (const [path, bias] of normBiases) {
    wrapperAt(
      model,
      path,
      MultiAdapterLayerNorm,
      (layer: LayerNorm) => new MultiAdapterLayerNorm(layer, routing),
    ).setAdapter(name, bias);
  }
}

/** The wrapper at `path`: the one already there, or a new one swapped into the tree for the plain layer. */
function wrapperAt<L extends Module, W extends Module>(
  model: Module,
  path: string,
  Wrapper: abstract new (...args: never[]) => W,
  wrap: (layer: L) => W,
): W {
  const layer = model.getSubmodule(path)!;
  if (layer instanceof Wrapper) return layer;
  const wrapper = wrap(layer as L);
  wrapper.train(layer.training);
  const { parent, name } = parentOf(model, path);
  swapChild(parent, name, wrapper);
  return wrapper;
}

/**
 * The adapter as a merged one: each adapted layer becomes a layer of its own, W₀ + s·B·A (with the
 * adapter's bias, else the base's), so that its rows cost what the plain model costs. The price is one
 * more copy of every adapted weight.
 */
export function mergedParts(model: Module, parts: AdapterParts): AdapterParts {
  const merged = parts.lora.map(({ path, A, B, scaling, bias }) => {
    const layer = model.getSubmodule(path);
    if (!(layer instanceof Linear) && !(layer instanceof MultiAdapterLinear)) {
      throw new UserError(`The adapter has weights for ${path}, which is not a Linear layer of the model.`);
    }
    return { path, weight: mergedWeight(layer.weight, A, B, scaling), bias: bias ?? layer.bias };
  });
  return { lora: [], replaced: [...merged, ...parts.replaced], biases: parts.biases };
}

/** Takes the adapter `name` out of every layer; a layer left with no adapter is the plain layer again. */
export function detachAdapter(model: Module, name: string): void {
  for (const [path, layer] of multiAdapterLayers(model)) {
    layer.deleteAdapter(name);
    if (layer.adapterNames().length > 0) continue;
    const { parent, name: child } = parentOf(model, path);
    swapChild(parent, child, layer.base_layer);
  }
}

/** A layer that holds several adapters' parts at once. */
export type MultiAdapterLayer = MultiAdapterLinear | MultiAdapterLayerNorm;

/** Every MultiAdapterLinear and MultiAdapterLayerNorm of the model with its path. */
export function multiAdapterLayers(model: Module): [string, MultiAdapterLayer][] {
  const found: [string, MultiAdapterLayer][] = [];
  for (const [path, m] of model.namedModules()) {
    if (m instanceof MultiAdapterLinear || m instanceof MultiAdapterLayerNorm) found.push([path, m]);
  }
  return found;
}
