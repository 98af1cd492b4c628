import { Module } from '../../nn/index.js';
import type { Rng } from '../../tensor/random.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { BertConfig } from './config.js';
import { BertSelfAttention } from './self-attention.js';
import { BertSelfOutput } from './self-output.js';

/** Self-attention and its output block; HF names the two `self` and `output`. */
export class BertAttention extends Module {
  readonly self: BertSelfAttention;
  readonly output: BertSelfOutput;

  constructor(config: BertConfig, rng: Rng) {
    super();
    this.self = this.registerModule('self', new BertSelfAttention(config, rng));
    this.output = this.registerModule('output', new BertSelfOutput(config, rng));
  }

  forward(hidden: Tensor, bias: Tensor | null): Tensor {
    return this.output.forward(this.self.forward(hidden, bias), hidden);
  }
}
