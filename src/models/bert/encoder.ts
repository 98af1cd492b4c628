import { forwardLayers, Module } from '../../nn/index.js';
import type { Rng } from '../../tensor/random.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { BertConfig } from './config.js';
import { BertLayer } from './layer.js';

/** The numbered layers, so that their names read `layer.0`, `layer.1`, … as in torch's ModuleList. */
class BertLayerList extends Module {
  readonly items: BertLayer[] = [];

  constructor(config: BertConfig, rng: Rng) {
    super();
    for (let i = 0; i < config.numHiddenLayers; i++) {
      this.items.push(this.registerModule(String(i), new BertLayer(config, rng)));
    }
  }
}

export class BertEncoder extends Module {
  readonly layer: BertLayerList;

  constructor(config: BertConfig, rng: Rng) {
    super();
    this.layer = this.registerModule('layer', new BertLayerList(config, rng));
  }

  forward(hidden: Tensor, bias: Tensor | null): Tensor {
    return forwardLayers(this.layer.items, hidden, (layer, h) => layer.forward(h, bias));
  }
}
