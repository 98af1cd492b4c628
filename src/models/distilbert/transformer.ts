import { forwardLayers, Module } from '../../nn/index.js';
import type { Rng } from '../../tensor/random.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { DistilBertConfig } from './config.js';
import { DistilBertTransformerBlock } from './transformer-block.js';

/** The numbered blocks, so that their names read `layer.0`, `layer.1`, … as in torch's ModuleList. */
class BlockList extends Module {
  readonly items: DistilBertTransformerBlock[] = [];

  constructor(config: DistilBertConfig, rng: Rng) {
    super();
    for (let i = 0; i < config.nLayers; i++) {
      this.items.push(this.registerModule(String(i), new DistilBertTransformerBlock(config, rng)));
    }
  }
}

/** The stack of transformer blocks (transformers' `Transformer`, under the name `transformer`). */
export class DistilBertTransformer extends Module {
  readonly layer: BlockList;

  constructor(config: DistilBertConfig, rng: Rng) {
    super();
    this.layer = this.registerModule('layer', new BlockList(config, rng));
  }

  forward(hidden: Tensor, bias: Tensor | null): Tensor {
    return forwardLayers(this.layer.items, hidden, (block, h) => block.forward(h, bias));
  }
}
