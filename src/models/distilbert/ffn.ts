import { Dropout, Linear, Module, projection } from '../../nn/index.js';
import { gelu } from '../../tensor/ops/gelu.js';
import type { Rng } from '../../tensor/random.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { DistilBertConfig } from './config.js';

/** The feed-forward block: lin1 to hidden_dim, exact GELU, lin2 back to dim, dropout. */
export class DistilBertFFN extends Module {
  readonly dropout: Dropout;

  constructor(config: DistilBertConfig, rng: Rng) {
    super();
    this.registerModule('lin1', new Linear(config.dim, config.hiddenDim));
    this.registerModule('lin2', new Linear(config.hiddenDim, config.dim));
    this.dropout = this.registerModule('dropout', new Dropout(config.dropout, rng));
  }

  forward(hidden: Tensor): Tensor {
    const expanded = gelu(projection(this, 'lin1').forward(hidden));
    return this.dropout.forward(projection(this, 'lin2').forward(expanded));
  }
}
