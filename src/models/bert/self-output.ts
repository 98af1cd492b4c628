import { Dropout, LayerNorm, Linear, Module, projection, normLayer } from '../../nn/index.js';
import { add } from '../../tensor/ops/add.js';
import type { Rng } from '../../tensor/random.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { BertConfig } from './config.js';

/** Attention output projection, dropout, then LayerNorm over the residual sum. */
export class BertSelfOutput extends Module {
  readonly dropout: Dropout;

  constructor(config: BertConfig, rng: Rng) {
    super();
    this.registerModule('dense', new Linear(config.hiddenSize, config.hiddenSize));
    this.registerModule('LayerNorm', new LayerNorm(config.hiddenSize, config.layerNormEps));
    this.dropout = this.registerModule('dropout', new Dropout(config.hiddenDropoutProb, rng));
  }

  forward(hidden: Tensor, residual: Tensor): Tensor {
    return normLayer(this, 'LayerNorm').forward(
      add(this.dropout.forward(projection(this, 'dense').forward(hidden)), residual),
    );
  }
}
