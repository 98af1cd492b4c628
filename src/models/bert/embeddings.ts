import { Dropout, Embedding, LayerNorm, Module, normLayer } from '../../nn/index.js';
import { add } from '../../tensor/ops/add.js';
import type { Rng } from '../../tensor/random.js';
import { IntTensor, Tensor } from '../../tensor/tensor.js';
import type { BertConfig } from './config.js';
import { wordEmbedding } from './word-embedding.js';

/** Word + token-type + absolute-position embeddings, then LayerNorm and dropout (HF's BertEmbeddings). */
export class BertEmbeddings extends Module {
  readonly wordEmbeddings: Embedding;
  readonly positionEmbeddings: Embedding;
  readonly tokenTypeEmbeddings: Embedding;
  readonly dropout: Dropout;
  readonly paddingIdx: number | null;

  constructor(config: BertConfig, rng: Rng) {
    super();
    this.paddingIdx = config.padTokenId;
    this.wordEmbeddings = this.registerModule(
      'word_embeddings',
      new Embedding(config.vocabSize, config.hiddenSize),
    );
    this.positionEmbeddings = this.registerModule(
      'position_embeddings',
      new Embedding(config.maxPositionEmbeddings, config.hiddenSize),
    );
    this.tokenTypeEmbeddings = this.registerModule(
      'token_type_embeddings',
      new Embedding(config.typeVocabSize, config.hiddenSize),
    );
    this.registerModule('LayerNorm', new LayerNorm(config.hiddenSize, config.layerNormEps));
    this.dropout = this.registerModule('dropout', new Dropout(config.hiddenDropoutProb, rng));
  }

  /** ids and token types [B, T] → [B, T, H]; positions are 0…T−1 for every row. */
  forward(inputIds: IntTensor, tokenTypeIds: IntTensor): Tensor {
    const seqLen = inputIds.shape[1];
    const positions = new IntTensor(
      Int32Array.from({ length: seqLen }, (_, i) => i),
      [seqLen],
    );
    const words = wordEmbedding(inputIds, this.wordEmbeddings.weight, this.paddingIdx);
    const types = this.tokenTypeEmbeddings.forward(tokenTypeIds);
    // HF's order of summation: (words + token types) + positions, the last broadcast over the batch.
    const summed = add(add(words, types), this.positionEmbeddings.forward(positions));
    return this.dropout.forward(normLayer(this, 'LayerNorm').forward(summed));
  }
}
