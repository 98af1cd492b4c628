import type { Rng } from '../../tensor/random.js';
import { initByModuleKind } from '../common/init-by-kind.js';
import type { Module } from '../../nn/index.js';
import type { DistilBertConfig } from './config.js';
import { fillSinusoidalPositions } from './sinusoidal.js';

export const POSITION_TABLE = 'distilbert.embeddings.position_embeddings.weight';

/**
 * transformers' DistilBertPreTrainedModel._init_weights: the default rules (N(0, initializer_range)
 * weights, zero biases, unit LayerNorms, a zero padding row) and, with `sinusoidal_pos_embds`, the
 * sinusoidal position table instead of a random one.
 */
export function initDistilBert(
  model: Module,
  config: DistilBertConfig,
  rng: Rng,
  names?: Iterable<string>,
): void {
  const settings = {
    initializerRange: config.initializerRange,
    padTokenId: config.padTokenId,
    wordEmbeddings: 'distilbert.embeddings.word_embeddings',
  };
  initByModuleKind(model, settings, rng, names, (name) => {
    if (name !== POSITION_TABLE || !config.sinusoidalPosEmbds) return false;
    const table = model.stateDict().get(name)!;
    fillSinusoidalPositions(table);
    return true;
  });
}
