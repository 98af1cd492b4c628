import { LayerNorm, Linear, Module, projection, normLayer } from '../../nn/index.js';
import { gelu } from '../../tensor/ops/gelu.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { ModernBertConfig } from './config.js';

/**
 * transformers' ModernBertPredictionHead: dense, activation, LayerNorm. The classifier and the masked
 * LM share it, which is why a masked-LM checkpoint's `head.*` loads into a classifier.
 */
export class ModernBertPredictionHead extends Module {
  constructor(config: ModernBertConfig) {
    super();
    this.registerModule(
      'dense',
      new Linear(config.hiddenSize, config.hiddenSize, { bias: config.classifierBias }),
    );
    this.registerModule('norm', new LayerNorm(config.hiddenSize, config.normEps, { bias: config.normBias }));
  }

  forward(pooled: Tensor): Tensor {
    return normLayer(this, 'norm').forward(gelu(projection(this, 'dense').forward(pooled)));
  }
}
