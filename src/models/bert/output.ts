import { Dropout, LayerNorm, Linear, Module, projection, normLayer } from '../../nn/index.js';
import { add } from '../../tensor/ops/add.js';
import type { Rng } from '../../tensor/random.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { BertConfig } from './config.js';

/** The feed-forward block's contraction: dense back to the hidden size, dropout, residual LayerNorm. */
export class BertOutput extends Module {
  readonly dropout: Dropout;

  constructor(config: BertConfig, rng: Rng) {
    super();
    this.registerModule('dense', new Linear(config.intermediateSize, config.hiddenSize));
    this.registerModule('LayerNorm', new LayerNorm(config.hiddenSize, config.layerNormEps));
    this.dropout = this.registerModule('dropout', new Dropout(config.hiddenDropoutProb, rng));
  }

  forward(intermediate: Tensor, residual: Tensor): Tensor {
    return normLayer(this, 'LayerNorm').forward(
      add(this.dropout.forward(projection(this, 'dense').forward(intermediate)), residual),
    );
  }
}
