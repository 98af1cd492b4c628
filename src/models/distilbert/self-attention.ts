import { Linear, Module, projection } from '../../nn/index.js';
import { scaledDotProductAttention } from '../../tensor/ops/scaled-dot-product-attention.js';
import type { Rng } from '../../tensor/random.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { DistilBertConfig } from './config.js';

/**
 * DistilBERT's multi-head self-attention: the same maths as BERT's, but the output projection
 * (`out_lin`) lives here rather than in a separate output block, and the LayerNorm after it in the
 * transformer block. Projections are looked up by name at every call, so LoRA wrappers take part.
 */
export class DistilBertSelfAttention extends Module {
  readonly numHeads: number;
  readonly dropoutP: number;

  constructor(
    config: DistilBertConfig,
    private readonly rng: Rng,
  ) {
    super();
    this.numHeads = config.nHeads;
    this.dropoutP = config.attentionDropout;
    for (const name of ['q_lin', 'k_lin', 'v_lin', 'out_lin']) {
      this.registerModule(name, new Linear(config.dim, config.dim));
    }
  }

  /** hidden [B, T, dim], bias [B, T] (0 or a large negative per key position) → [B, T, dim]. */
  forward(hidden: Tensor, bias: Tensor | null): Tensor {
    const context = scaledDotProductAttention(
      projection(this, 'q_lin').forward(hidden),
      projection(this, 'k_lin').forward(hidden),
      projection(this, 'v_lin').forward(hidden),
      {
        numHeads: this.numHeads,
        bias: bias ?? undefined,
        dropoutP: this.dropoutP,
        rng: this.rng,
        training: this.training,
      },
    );
    return projection(this, 'out_lin').forward(context);
  }
}
