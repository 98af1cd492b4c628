import { Dropout, Linear, Module, projection } from '../../nn/index.js';
import { gelu } from '../../tensor/ops/gelu.js';
import { selectFirstToken } from '../../tensor/ops/select-first-token.js';
import type { Rng } from '../../tensor/random.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { ElectraConfig } from './config.js';

/**
 * transformers' ElectraClassificationHead, on the first token: dropout, `dense` (hidden → hidden),
 * exact GELU, the same dropout again, `out_proj` to one logit per label. The dropout is
 * classifier_dropout, else hidden_dropout_prob.
 */
export class ElectraClassificationHead extends Module {
  readonly dropout: Dropout;

  constructor(config: ElectraConfig, rng: Rng) {
    super();
    this.registerModule('dense', new Linear(config.hiddenSize, config.hiddenSize));
    this.dropout = this.registerModule('dropout', new Dropout(config.encoder.classifierDropoutProb, rng));
    this.registerModule('out_proj', new Linear(config.hiddenSize, config.numLabels));
  }

  /** [B, T, hidden] → [B, numLabels]. */
  forward(hidden: Tensor): Tensor {
    const first = this.dropout.forward(selectFirstToken(hidden));
    const features = this.dropout.forward(gelu(projection(this, 'dense').forward(first)));
    return projection(this, 'out_proj').forward(features);
  }
}
