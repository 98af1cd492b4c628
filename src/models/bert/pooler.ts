import { Linear, Module, projection } from '../../nn/index.js';
import { selectFirstToken } from '../../tensor/ops/select-first-token.js';
import { tanh } from '../../tensor/ops/tanh.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { BertConfig } from './config.js';

/** The [CLS] position's hidden state through dense + tanh: the sentence vector the classifier reads. */
export class BertPooler extends Module {
  constructor(config: BertConfig) {
    super();
    this.registerModule('dense', new Linear(config.hiddenSize, config.hiddenSize));
  }

  /** [B, T, H] → [B, H]. */
  forward(hidden: Tensor): Tensor {
    return tanh(projection(this, 'dense').forward(selectFirstToken(hidden)));
  }
}
