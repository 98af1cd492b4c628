import { Dropout, Linear, Module, projection } from '../../nn/index.js';
import { selectFirstToken } from '../../tensor/ops/select-first-token.js';
import { tanh } from '../../tensor/ops/tanh.js';
import type { Rng } from '../../tensor/random.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { RobertaConfig } from './config.js';

/**
 * HF's RobertaClassificationHead on the first token (<s>): dropout, dense, tanh, dropout, out_proj.
 * Unlike BERT's pooler, it belongs to the head, so a base checkpoint never brings it.
 */
export class RobertaClassificationHead extends Module {
  readonly dropout: Dropout;

  constructor(config: RobertaConfig, rng: Rng) {
    super();
    this.registerModule('dense', new Linear(config.hiddenSize, config.hiddenSize));
    this.dropout = this.registerModule('dropout', new Dropout(config.classifierDropoutProb, rng));
    this.registerModule('out_proj', new Linear(config.hiddenSize, config.numLabels));
  }

  /** [B, T, H] → logits [B, numLabels]. */
  forward(hidden: Tensor): Tensor {
    const first = this.dropout.forward(selectFirstToken(hidden));
    const dense = tanh(projection(this, 'dense').forward(first));
    return projection(this, 'out_proj').forward(this.dropout.forward(dense));
  }
}
