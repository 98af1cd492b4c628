import { Dropout, Embedding, LayerNorm, Module, normLayer } from '../../nn/index.js';
import type { Rng } from '../../tensor/random.js';
import type { IntTensor, Tensor } from '../../tensor/tensor.js';
import { wordEmbedding } from '../bert/word-embedding.js';
import type { ModernBertConfig } from './config.js';

/** Token embeddings, LayerNorm and dropout; positions enter later, as rotary embeddings in attention. */
export class ModernBertEmbeddings extends Module {
  readonly tokEmbeddings: Embedding;
  readonly drop: Dropout;
  readonly paddingIdx: number | null;

  constructor(config: ModernBertConfig, rng: Rng) {
    super();
    this.paddingIdx = config.padTokenId;
    this.tokEmbeddings = this.registerModule(
      'tok_embeddings',
      new Embedding(config.vocabSize, config.hiddenSize),
    );
    this.registerModule('norm', new LayerNorm(config.hiddenSize, config.normEps, { bias: config.normBias }));
    this.drop = this.registerModule('drop', new Dropout(config.embeddingDropout, rng));
  }

  /** ids [B, T] → [B, T, H]; the padding row gets no gradient, as torch's padding_idx. */
  forward(inputIds: IntTensor): Tensor {
    const tokens = wordEmbedding(inputIds, this.tokEmbeddings.weight, this.paddingIdx);
    return this.drop.forward(normLayer(this, 'norm').forward(tokens));
  }
}
