import { Dropout, Embedding, LayerNorm, Module, normLayer } from '../../nn/index.js';
import { add } from '../../tensor/ops/add.js';
import type { Rng } from '../../tensor/random.js';
import { IntTensor, type Tensor } from '../../tensor/tensor.js';
import { wordEmbedding } from '../bert/word-embedding.js';
import type { ElectraConfig } from './config.js';

/**
 * BERT's embeddings (word + token type + absolute position, LayerNorm, dropout) at ELECTRA's own width,
 * `embedding_size`, which may be narrower than the encoder's.
 */
export class ElectraEmbeddings extends Module {
  readonly wordEmbeddings: Embedding;
  readonly positionEmbeddings: Embedding;
  readonly tokenTypeEmbeddings: Embedding;
  readonly dropout: Dropout;
  readonly paddingIdx: number | null;

  constructor(config: ElectraConfig, rng: Rng) {
    super();
    const e = config.encoder;
    const width = config.embeddingSize;
    this.paddingIdx = e.padTokenId;
    this.wordEmbeddings = this.registerModule('word_embeddings', new Embedding(e.vocabSize, width));
    this.positionEmbeddings = this.registerModule(
      'position_embeddings',
      new Embedding(e.maxPositionEmbeddings, width),
    );
    this.tokenTypeEmbeddings = this.registerModule(
      'token_type_embeddings',
      new Embedding(e.typeVocabSize, width),
    );
    this.registerModule('LayerNorm', new LayerNorm(width, e.layerNormEps));
    this.dropout = this.registerModule('dropout', new Dropout(e.hiddenDropoutProb, rng));
  }

  /** ids and token types [B, T] → [B, T, embedding_size]; positions are 0…T−1 for every row. */
  forward(inputIds: IntTensor, tokenTypeIds: IntTensor): Tensor {
    const seqLen = inputIds.shape[1];
    const positions = new IntTensor(
      Int32Array.from({ length: seqLen }, (_, i) => i),
      [seqLen],
    );
    const words = wordEmbedding(inputIds, this.wordEmbeddings.weight, this.paddingIdx);
    // transformers' order of summation, as BERT's: (words + token types) + positions.
    const summed = add(
      add(words, this.tokenTypeEmbeddings.forward(tokenTypeIds)),
      this.positionEmbeddings.forward(positions),
    );
    return this.dropout.forward(normLayer(this, 'LayerNorm').forward(summed));
  }
}
