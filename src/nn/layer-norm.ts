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
