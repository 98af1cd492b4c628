import { Embedding, LayerNorm, Linear, type Module } from '../../nn/index.js';
import { normalInit } from '../../tensor/init.js';
import type { Rng } from '../../tensor/random.js';

/** What transformers' default `_init_weights` reads from a config. */
export interface InitSettings {
  initializerRange: number;
  /** The word embeddings' padding row, zeroed; null for none. */
  padTokenId: number | null;
  /** The path of the word-embedding module, whose `padTokenId` row is zeroed. */
  wordEmbeddings: string;
}

/**
 * transformers' PreTrainedModel._init_weights, decided by the kind of module that owns each parameter
 * (as torch decides it, so names such as DistilBERT's `sa_layer_norm` need no rule of their own):
 * Linear and Embedding weights ~ N(0, initializer_range), Linear biases 0, LayerNorm weight 1 and
 * bias 0, the padding row of the word embeddings 0. Parameters are visited in the model's order;
 * `only` restricts them to those names, and `special` may take over a parameter (returning true).
 */
export function initByModuleKind(
  model: Module,
  settings: InitSettings,
  rng: Rng,
  only?: Iterable<string>,
  special?: (name: string) => boolean,
): void {
  const wanted = only ? new Set(only) : null;
  for (const [path, module] of model.namedModules()) {
    for (const [local, p] of module.namedParameters()) {
      if (local.includes('.')) continue; // a child's parameter: visited with the child
      const name = path ? `${path}.${local}` : local;
      if (wanted && !wanted.has(name)) continue;
      if (special?.(name)) continue;
      if (module instanceof LayerNorm) {
        p.data.fill(local === 'weight' ? 1 : 0);
      } else if (module instanceof Linear || module instanceof Embedding) {
        if (local === 'bias') p.data.fill(0);
        else normalInit(p, 0, settings.initializerRange, rng);
        if (path === settings.wordEmbeddings && settings.padTokenId !== null) {
          const dim = p.shape[1];
          p.data.fill(0, settings.padTokenId * dim, (settings.padTokenId + 1) * dim);
        }
      } else {
        throw new Error(`initByModuleKind: no rule for ${name} of a ${module.constructor.name}.`);
      }
    }
  }
}
