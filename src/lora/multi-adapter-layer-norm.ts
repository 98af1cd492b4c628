import type { LayerNorm, LayerNormLike } from '../nn/layer-norm.js';
import { Module } from '../nn/module.js';
import { concat } from '../tensor/ops/concat.js';
import { layerNorm } from '../tensor/ops/layer-norm.js';
import { sliceRows } from '../tensor/ops/slice-rows.js';
import { shapeToString, type Tensor } from '../tensor/tensor.js';
import type { AdapterRouting, RowRun } from './adapter-routing.js';

/**
 * A LayerNorm shared by several adapters at once, for inference: an adapter that trained the norm's
 * bias (PEFT's bias "all") gets its own on its rows, as the shared AdapterRouting assigns them; rows of
 * other adapters and of the base model get the base bias. Normalisation is row by row, so each run of
 * rows is normalised on its own with its bias and the runs joined again: a row's numbers are those of
 * the plain LayerNorm holding that bias. When no row in flight has a bias of its own, the base layer
 * runs once over the whole batch.
 *
 * The child follows MultiAdapterLinear (`base_layer`); the adapters' biases are held per adapter name,
 * not as parameters: they never train here.
 */
export class MultiAdapterLayerNorm extends Module implements LayerNormLike {
  readonly base_layer: LayerNorm;
  private readonly biases = new Map<string, Tensor>();

  constructor(
    base: LayerNorm,
    private readonly routing: AdapterRouting,
  ) {
    super();
    this.base_layer = this.registerModule('base_layer', base);
  }

  /** The adapters with a bias in this layer. */
  adapterNames(): string[] {
    return [...this.biases.keys()];
  }

  /** Adds (or replaces) an adapter's bias, after checking its shape against the base layer. */
  setAdapter(name: string, bias: Tensor): void {
    const dim = this.base_layer.dim;
    if (bias.rank !== 1 || bias.shape[0] !== dim) {
      throw new Error(
        `Adapter ${name}'s bias has shape ${shapeToString(bias.shape)}, but a LayerNorm over ${dim} features needs [${dim}].`,
      );
    }
    this.biases.set(name, bias);
  }

  deleteAdapter(name: string): boolean {
    return this.biases.delete(name);
  }

  forward(x: Tensor): Tensor {
    const groups = this.groups(this.routing.runsOver(x.shape[0] ?? 0));
    if (groups.length === 1 && groups[0].bias === undefined) return this.base_layer.forward(x);
    const outputs = groups.map(({ start, count, bias }) => {
      const rows = groups.length === 1 ? x : sliceRows(x, start, count);
      return bias === undefined
        ? this.base_layer.forward(rows)
        : layerNorm(rows, this.base_layer.weight, bias, this.base_layer.eps);
    });
    return outputs.length === 1 ? outputs[0] : concat(outputs, 0);
  }

  /** Consecutive runs that share a bias (an adapter's own, or the base's: undefined) taken together. */
  private groups(runs: readonly RowRun[]): { start: number; count: number; bias: Tensor | undefined }[] {
    const groups: { start: number; count: number; bias: Tensor | undefined }[] = [];
    for (const run of runs) {
      const bias = run.adapter === null ? undefined : this.biases.get(run.adapter);
      const last = groups.at(-1);
      if (last && last.bias === bias) last.count += run.count;
      else groups.push({ start: run.start, count: run.count, bias });
    }
    return groups;
  }
}
