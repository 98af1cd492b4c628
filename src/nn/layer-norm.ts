import { layerNorm } from '../tensor/ops/layer-norm.js';
import { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';

export class LayerNorm extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor;

  constructor(
    readonly dim: number,
    readonly eps: number,
  ) {
    super();
    this.weight = this.registerParameter('weight', Tensor.fill([dim], 1));
    this.bias = this.registerParameter('bias', Tensor.zeros([dim]));
  }

  forward(x: Tensor): Tensor {
    return layerNorm(x, this.weight, this.bias, this.eps);
  }
}
