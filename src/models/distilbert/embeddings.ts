import { Dropout, Embedding, LayerNorm, Module, normLayer } from '../../nn/index.js';
import { add } from '../../tensor/ops/add.js';
import type { Rng } from '../../tensor/random.js';
import { IntTensor, type Tensor } from '../../tensor/tensor.js';
import { wordEmbedding } from '../bert/word-embedding.js';
import { DISTILBERT_LAYER_NORM_EPS, type DistilBertConfig } from './config.js';

/** Word + absolute-position embeddings (no token types), then LayerNorm and dropout (transformers' Embeddings). */
export class DistilBertEmbeddings extends Module {
  readonly wordEmbeddings: Embedding;
  readonly positionEmbeddings: Embedding;
  readonly dropout: Dropout;
  readonly paddingIdx: number | null;

  constructor(config: DistilBertConfig, rng: Rng) {
    super();
    this.paddingIdx = config.padTokenId;
    this.wordEmbeddings = this.registerModule('word_embeddings', new Embedding(config.vocabSize, config.dim));
    this.positionEmbeddings = this.registerModule(
      'position_embeddings',
      new Embedding(config.maxPositionEmbeddings, config.dim),
    );
    this.registerModule('LayerNorm', new LayerNorm(config.dim, DISTILBERT_LAYER_NORM_EPS));
    this.dropout = this.registerModule('dropout', new Dropout(config.dropout, rng));
  }

  /** ids [B, T] → [B, T, dim]; positions are 0…T−1 for every row. */
  forward(inputIds: IntTensor): Tensor {
    const seqLen = inputIds.shape[1];
    const positions = new IntTensor(
      Int32Array.from({ length: seqLen }, (_, i) => i),
      [seqLen],
    );
    const words = wordEmbedding(inputIds, this.wordEmbeddings.weight, this.paddingIdx);
    const summed = add(words, this.positionEmbeddings.forward(positions));
    return this.dropout.forward(normLayer(this, 'LayerNorm').forward(summed));
  }
}
