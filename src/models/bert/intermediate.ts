import { Linear, Module, projection } from '../../nn/index.js';
import { gelu } from '../../tensor/ops/gelu.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { BertConfig } from './config.js';

/** The feed-forward block's expansion: dense to the intermediate size, then exact GELU. */
export class BertIntermediate extends Module {
  constructor(config: BertConfig) {
    super();
    this.registerModule('dense', new Linear(config.hiddenSize, config.intermediateSize));
  }

  forward(hidden: Tensor): Tensor {
    return gelu(projection(this, 'dense').forward(hidden));
  }
}
