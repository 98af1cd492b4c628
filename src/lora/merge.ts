import type { Module } from '../nn/module.js';
import type { Linear } from '../nn/linear.js';
import { loraLayers } from './inject.js';
import { lowRankDelta, type LoRALinear } from './lora-linear.js';
import { Tensor } from '../tensor/tensor.js';
import { setLoraState } from './state.js';
import { parentOf, swapChild } from './swap.js';

/**
 * W₀ ← W₀ + s·B·A in one layer (ΔW summed in double precision, rounded once). The layer then forwards
 * through W₀ alone. The original W₀ is kept so that `unmergeLayer` restores it exactly, whatever
 * happens to A and B meanwhile.
 */
export function mergeLayer(layer: LoRALinear): void {
  if (layer.merged) return;
  const w = layer.base_layer.weight.data;
  const delta = layer.deltaWeight();
  layer.mergedFrom = Float32Array.from(w);
  for (let i = 0; i < w.length; i++) w[i] = w[i] + delta[i];
  layer.merged = true;
}

/**
 * A new weight W₀ + s·B·A (ΔW summed in double precision, rounded once, as `mergeLayer` does), W₀
 * left as it is: a served adapter's own copy of a layer it adapts, so that its rows run at the plain
 * layer's cost while other adapters keep sharing W₀.
 */
export function mergedWeight(base: Tensor, A: Tensor, B: Tensor, scaling: number): Tensor {
  const w = base.data;
  const delta = lowRankDelta(A, B, scaling);
  const merged = new Float32Array(w.length);
  for (let i = 0; i < w.length; i++) merged[i] = w[i] + delta[i];
  return new Tensor(merged, base.shape);
}

export function unmergeLayer(layer: LoRALinear): void {
  if (!layer.merged) return;
  if (layer.mergedFrom) layer.base_layer.weight.data.set(layer.mergedFrom);
  layer.mergedFrom = null;
  layer.merged = false;
}

/** Merges every LoRA layer of the model (for fast inference); returns how many were merged. */
export function mergeLora(model: Module): number {
  let n = 0;
  for (const [, layer] of loraLayers(model)) {
    if (!layer.merged) n++;
    mergeLayer(layer);
  }
  return n;
}

/** Undoes `mergeLora`: every base weight is restored bit for bit. */
export function unmergeLora(model: Module): number {
  let n = 0;
  for (const [, layer] of loraLayers(model)) {
    if (layer.merged) n++;
    unmergeLayer(layer);
  }
  return n;
}

/**
 * PEFT's `merge_and_unload`: each LoRALinear is merged into its base Linear, which takes its place again,
 * so the model is a plain one with HF weight names, ready for `saveHfDirectory`. The modules_to_save
 * modules were trained in place and stay as they are. Every parameter requires a gradient again, as in
 * a freshly loaded model. Returns the model for chaining.
 */
export function mergeAndUnload<M extends Module>(model: M): M {
  return unload(model, true);
}

/** PEFT's `unload`: the LoRA layers are dropped without merging, giving back the untouched base model. */
export function unloadLora<M extends Module>(model: M): M {
  return unload(model, false);
}

function unload<M extends Module>(model: M, merge: boolean): M {
  for (const [path, layer] of loraLayers(model)) {
    if (merge) mergeLayer(layer);
    else unmergeLayer(layer);
    const base: Linear = layer.base_layer;
    // The merge is now permanent: the saved copy of W₀ is no longer wanted.
    layer.merged = false;
    layer.mergedFrom = null;
    const { parent, name } = parentOf(model, path);
    base.train(layer.training);
    swapChild(parent, name, base);
  }
  model.setRequiresGrad(true);
  setLoraState(model, undefined);
  return model;
}
