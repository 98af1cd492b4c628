import { LayerNorm, Module, normLayer } from '../../nn/index.js';
import { add } from '../../tensor/ops/add.js';
import type { Rng } from '../../tensor/random.js';
import type { Tensor } from '../../tensor/tensor.js';
import { ModernBertAttention } from './attention.js';
import type { LayerType, ModernBertConfig } from './config.js';
import { ModernBertMlp } from './mlp.js';
import type { RotaryTables } from './rotary.js';

/**
 * One pre-norm encoder layer: h + attn(attn_norm(h)), then h + mlp(mlp_norm(h)). Layer 0 has no
 * attn_norm (transformers' Identity there): the embeddings' norm came just before it.
 */
export class ModernBertEncoderLayer extends Module {
  readonly attn: ModernBertAttention;
  readonly mlp: ModernBertMlp;
  readonly attentionType: LayerType;

  constructor(config: ModernBertConfig, layerIndex: number, rng: Rng) {
    super();
    this.attentionType = config.layerTypes[layerIndex];
    const norm = (): LayerNorm => new LayerNorm(config.hiddenSize, config.normEps, { bias: config.normBias });
    if (layerIndex > 0) this.registerModule('attn_norm', norm());
    this.attn = this.registerModule('attn', new ModernBertAttention(config, rng));
    this.registerModule('mlp_norm', norm());
    this.mlp = this.registerModule('mlp', new ModernBertMlp(config, rng));
  }

  forward(hidden: Tensor, bias: Tensor, rotary: RotaryTables): Tensor {
    const normed = this.child('attn_norm') ? normLayer(this, 'attn_norm').forward(hidden) : hidden;
    const attended = add(hidden, this.attn.forward(normed, bias, rotary));
    return add(attended, this.mlp.forward(normLayer(this, 'mlp_norm').forward(attended)));
  }
}
