import type { Tensor } from '../../tensor/tensor.js';
import { normalInit } from '../../tensor/init.js';
import type { Rng } from '../../tensor/random.js';
import type { BertConfig } from './config.js';

/**
 * HF's BertPreTrainedModel._init_weights, decided by the parameter's name: Linear and Embedding
 * weights ~ N(0, initializer_range), biases 0, LayerNorm weight 1 and bias 0, and the padding row of
 * the word embeddings 0.
 */
export function initBertParameter(name: string, t: Tensor, config: BertConfig, rng: Rng): void {
  if (name.endsWith('LayerNorm.weight')) {
    t.data.fill(1);
  } else if (name.endsWith('.bias')) {
    t.data.fill(0);
  } else if (name.endsWith('.weight')) {
    normalInit(t, 0, config.initializerRange, rng);
    if (name.endsWith('word_embeddings.weight') && config.padTokenId !== null) {
      const dim = t.shape[1];
      t.data.fill(0, config.padTokenId * dim, (config.padTokenId + 1) * dim);
    }
  } else {
    throw new Error(`initBertParameter: no rule for parameter ${name}.`);
  }
}
