import { Module } from '../../nn/index.js';
import type { Rng } from '../../tensor/random.js';
import type { Tensor } from '../../tensor/tensor.js';
import { BertAttention } from './attention.js';
import type { BertConfig } from './config.js';
import { BertIntermediate } from './intermediate.js';
import { BertOutput } from './output.js';

/** One Transformer encoder layer (post-LayerNorm): attention, then the feed-forward block. */
export class BertLayer extends Module {
  readonly attention: BertAttention;
  readonly intermediate: BertIntermediate;
  readonly output: BertOutput;

  constructor(config: BertConfig, rng: Rng) {
    super();
    this.attention = this.registerModule('attention', new BertAttention(config, rng));
    this.intermediate = this.registerModule('intermediate', new BertIntermediate(config));
    this.output = this.registerModule('output', new BertOutput(config, rng));
  }

  forward(hidden: Tensor, bias: Tensor | null): Tensor {
    const attended = this.attention.forward(hidden, bias);
    return this.output.forward(this.intermediate.forward(attended), attended);
  }
}
