import type { Tensor } from '../../tensor/tensor.js';
import type { Rng } from '../../tensor/random.js';
import { initBertParameter } from '../bert/init.js';
import type { RobertaConfig } from './config.js';

/**
 * HF's RobertaPreTrainedModel._init_weights by parameter name: BERT's rules (normal weights, zero
 * biases, unit LayerNorm, zero word-embedding padding row), and the position table's padding row
 * zero as well, since it too is an Embedding with padding_idx.
 */
export function initRobertaParameter(name: string, t: Tensor, config: RobertaConfig, rng: Rng): void {
  initBertParameter(name, t, config.bert, rng);
  if (name.endsWith('position_embeddings.weight')) {
    const dim = t.shape[1];
    t.data.fill(0, config.padTokenId * dim, (config.padTokenId + 1) * dim);
  }
}
