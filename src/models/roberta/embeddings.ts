import { Dropout, Embedding, LayerNorm, Module, normLayer } from '../../nn/index.js';
import { add } from '../../tensor/ops/add.js';
import type { Rng } from '../../tensor/random.js';
import type { IntTensor, Tensor } from '../../tensor/tensor.js';
import { wordEmbedding } from '../bert/word-embedding.js';
import type { RobertaConfig } from './config.js';
import { robertaPositionIds } from './position-ids.js';

/**
 * HF's RobertaEmbeddings: word + token-type + position embeddings, then LayerNorm and dropout, as in
 * BERT, but positions are counted per row from the padding id (see `robertaPositionIds`), and both the
 * word and the position table have padding_idx = pad_token_id, whose row gets no gradient.
 */
export class RobertaEmbeddings extends Module {
  readonly wordEmbeddings: Embedding;
  readonly tokenTypeEmbeddings: Embedding;
  readonly positionEmbeddings: Embedding;
  readonly dropout: Dropout;
  readonly paddingIdx: number;

  constructor(config: RobertaConfig, rng: Rng) {
    super();
    this.paddingIdx = config.padTokenId;
    // transformers' parameter order: the position table is made last (after BERT's are set up).
    this.wordEmbeddings = this.registerModule(
      'word_embeddings',
      new Embedding(config.vocabSize, config.hiddenSize),
    );
    this.tokenTypeEmbeddings = this.registerModule(
      'token_type_embeddings',
      new Embedding(config.typeVocabSize, config.hiddenSize),
    );
    this.registerModule('LayerNorm', new LayerNorm(config.hiddenSize, config.layerNormEps));
    this.positionEmbeddings = this.registerModule(
      'position_embeddings',
      new Embedding(config.maxPositionEmbeddings, config.hiddenSize),
    );
    this.dropout = this.registerModule('dropout', new Dropout(config.hiddenDropoutProb, rng));
  }

  /** ids and token types [B, T] → [B, T, H]. */
  forward(inputIds: IntTensor, tokenTypeIds: IntTensor): Tensor {
    const positions = robertaPositionIds(inputIds, this.paddingIdx);
    const words = wordEmbedding(inputIds, this.wordEmbeddings.weight, this.paddingIdx);
    const types = this.tokenTypeEmbeddings.forward(tokenTypeIds);
    // The padding-row rule is torch's padding_idx, the same for positions as for words.
    const places = wordEmbedding(positions, this.positionEmbeddings.weight, this.paddingIdx);
    // HF's order of summation: (words + token types) + positions.
    return this.dropout.forward(normLayer(this, 'LayerNorm').forward(add(add(words, types), places)));
  }
}
