import { layerNorm } from '../tensor/ops/layer-norm.js';
import { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';

export class LayerNorm extends Module {
  readonly weight: Tensor;
  /** null for torch's `LayerNorm(bias=False)` (ModernBERT's norm_bias false): no shift, no parameter. */
  readonly bias: Tensor | null;
  /** The zero shift the kernel adds when there is no bias: adding 0 leaves every value as it was. */
  private readonly shift: Tensor;

  constructor(
    readonly dim: number,
    readonly eps: number,
    options: { bias?: boolean } = {},
  ) {
    super();
    this.weight = this.registerParameter('weight', Tensor.fill([dim], 1));
    this.bias = options.bias === false ? null : this.registerParameter('bias', Tensor.zeros([dim]));
    this.shift = this.bias ?? Tensor.zeros([dim]);
  }

  forward(x: Tensor): Tensor {
    return layerNorm(x, this.weight, this.shift, this.eps);
  }
}

/** What a block needs from a normalisation layer; a per-adapter wrapper satisfies it too. */
export interface LayerNormLike {
  forward(x: Tensor): Tensor;
}

/**
 * The LayerNorm registered under `name`, looked up at call time (as `projection` looks up a Linear) so
 * that a wrapper swapped into the module tree, such as the server's per-adapter bias, is the one called.
 */
export function normLayer(owner: Module, name: string): LayerNormLike {
  const child = owner.child(name);
  if (!child || !('forward' in child)) throw new Error(`Module has no normalisation layer named ${name}.`);
  return child as unknown as LayerNormLike;
}
