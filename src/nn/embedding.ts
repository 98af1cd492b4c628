import { embedding } from '../tensor/ops/embedding.js';
import { IntTensor, Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';

export class Embedding extends Module {
  readonly weight: Tensor;

  constructor(
    readonly numEmbeddings: number,
    readonly dim: number,
  ) {
    super();
    this.weight = this.registerParameter('weight', Tensor.zeros([numEmbeddings, dim]));
  }

  forward(ids: IntTensor): Tensor {
    return embedding(ids, this.weight);
  }
}
