import { Dropout, Linear, Module, projection } from '../../nn/index.js';
import { rotaryEmbedding } from '../../tensor/ops/rotary-embedding.js';
import { scaledDotProductAttention } from '../../tensor/ops/scaled-dot-product-attention.js';
import { sliceLastAxis } from '../../tensor/ops/slice-last-axis.js';
import type { Rng } from '../../tensor/random.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { ModernBertConfig } from './config.js';
import type { RotaryTables } from './rotary.js';

/**
 * Self-attention with one fused projection `Wqkv` (hidden → query, key, value in that order),
 * rotary positions on queries and keys, softmax(q·kᵀ/√d + bias)·v per head, then `Wo` and dropout.
 * Projections are looked up by name at every call, so a LoRA wrapper takes part.
 */
export class ModernBertAttention extends Module {
  readonly numHeads: number;
  readonly dropoutP: number;
  readonly outDrop: Dropout;

  constructor(
    config: ModernBertConfig,
    private readonly rng: Rng,
  ) {
    super();
    this.numHeads = config.numAttentionHeads;
    this.dropoutP = config.attentionDropout;
    const h = config.hiddenSize;
    this.registerModule('Wqkv', new Linear(h, 3 * h, { bias: config.attentionBias }));
    this.registerModule('Wo', new Linear(h, h, { bias: config.attentionBias }));
    this.outDrop = this.registerModule('out_drop', new Dropout(config.attentionDropout, rng));
  }

  /** hidden [B, T, H]; bias [B, T] (padding) or [B, T, T] (padding and window) → [B, T, H]. */
  forward(hidden: Tensor, bias: Tensor, rotary: RotaryTables): Tensor {
    const width = hidden.shape[2];
    const qkv = projection(this, 'Wqkv').forward(hidden);
    const rotate = (x: Tensor): Tensor => rotaryEmbedding(x, rotary.cos, rotary.sin, this.numHeads);
    const context = scaledDotProductAttention(
      rotate(sliceLastAxis(qkv, 0, width)),
      rotate(sliceLastAxis(qkv, width, width)),
      sliceLastAxis(qkv, 2 * width, width),
      {
        numHeads: this.numHeads,
        bias,
        dropoutP: this.dropoutP,
        rng: this.rng,
        training: this.training,
      },
    );
    return this.outDrop.forward(projection(this, 'Wo').forward(context));
  }
}
