import { Linear, Module, projection } from '../../nn/index.js';
import { scaledDotProductAttention } from '../../tensor/ops/scaled-dot-product-attention.js';
import type { Rng } from '../../tensor/random.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { BertConfig } from './config.js';

/**
 * Multi-head self-attention: query, key and value projections, softmax(q·kᵀ/√d + bias)·v per head.
 * The projections are looked up by name at every call, so a LoRA wrapper put in with `replaceChild`
 * takes part without this class knowing.
 */
export class BertSelfAttention extends Module {
  readonly numHeads: number;
  readonly dropoutP: number;

  constructor(
    config: BertConfig,
    private readonly rng: Rng,
  ) {
    super();
    this.numHeads = config.numAttentionHeads;
    this.dropoutP = config.attentionProbsDropoutProb;
    this.registerModule('query', new Linear(config.hiddenSize, config.hiddenSize));
    this.registerModule('key', new Linear(config.hiddenSize, config.hiddenSize));
    this.registerModule('value', new Linear(config.hiddenSize, config.hiddenSize));
  }

  /** hidden [B, T, H], bias [B, T] (0 or a large negative per key position) → context [B, T, H]. */
  forward(hidden: Tensor, bias: Tensor | null): Tensor {
    const q = projection(this, 'query').forward(hidden);
    const k = projection(this, 'key').forward(hidden);
    const v = projection(this, 'value').forward(hidden);
    return scaledDotProductAttention(q, k, v, {
      numHeads: this.numHeads,
      bias: bias ?? undefined,
      dropoutP: this.dropoutP,
      rng: this.rng,
      training: this.training,
    });
  }
}
