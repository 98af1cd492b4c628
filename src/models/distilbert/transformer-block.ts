import { LayerNorm, Module, normLayer } from '../../nn/index.js';
import { add } from '../../tensor/ops/add.js';
import type { Rng } from '../../tensor/random.js';
import type { Tensor } from '../../tensor/tensor.js';
import { DISTILBERT_LAYER_NORM_EPS, type DistilBertConfig } from './config.js';
import { DistilBertFFN } from './ffn.js';
import { DistilBertSelfAttention } from './self-attention.js';

/**
 * One post-LayerNorm encoder layer: attention, residual, `sa_layer_norm`; feed-forward, residual,
 * `output_layer_norm`. Unlike BERT, no dropout follows the attention's output projection.
 */
export class DistilBertTransformerBlock extends Module {
  readonly attention: DistilBertSelfAttention;
  readonly ffn: DistilBertFFN;

  constructor(config: DistilBertConfig, rng: Rng) {
    super();
    this.attention = this.registerModule('attention', new DistilBertSelfAttention(config, rng));
    this.registerModule('sa_layer_norm', new LayerNorm(config.dim, DISTILBERT_LAYER_NORM_EPS));
    this.ffn = this.registerModule('ffn', new DistilBertFFN(config, rng));
    this.registerModule('output_layer_norm', new LayerNorm(config.dim, DISTILBERT_LAYER_NORM_EPS));
  }

  forward(hidden: Tensor, bias: Tensor | null): Tensor {
    const attended = normLayer(this, 'sa_layer_norm').forward(
      add(this.attention.forward(hidden, bias), hidden),
    );
    return normLayer(this, 'output_layer_norm').forward(add(this.ffn.forward(attended), attended));
  }
}
