import { Dropout, Linear, Module, projection } from '../../nn/index.js';
import { geglu } from '../../tensor/ops/geglu.js';
import type { Rng } from '../../tensor/random.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { ModernBertConfig } from './config.js';

/** The gated feed-forward block: `Wi` to twice the intermediate size, GeGLU, dropout, `Wo` back. */
export class ModernBertMlp extends Module {
  readonly drop: Dropout;

  constructor(config: ModernBertConfig, rng: Rng) {
    super();
    this.registerModule(
      'Wi',
      new Linear(config.hiddenSize, 2 * config.intermediateSize, { bias: config.mlpBias }),
    );
    this.drop = this.registerModule('drop', new Dropout(config.mlpDropout, rng));
    this.registerModule(
      'Wo',
      new Linear(config.intermediateSize, config.hiddenSize, { bias: config.mlpBias }),
    );
  }

  forward(hidden: Tensor): Tensor {
    const gated = geglu(projection(this, 'Wi').forward(hidden));
    return projection(this, 'Wo').forward(this.drop.forward(gated));
  }
}
