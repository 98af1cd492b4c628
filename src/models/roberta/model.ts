import { Module } from '../../nn/index.js';
import { attentionBias } from '../../tensor/ops/attention-bias.js';
import type { Rng } from '../../tensor/random.js';
import { IntTensor, type Tensor } from '../../tensor/tensor.js';
import { BertEncoder } from '../bert/encoder.js';
import { checkSequenceInputs } from '../common/input-checks.js';
import type { RobertaConfig } from './config.js';
import { RobertaEmbeddings } from './embeddings.js';

/**
 * HF's RobertaModel with add_pooling_layer=False, as the sequence classifier builds it: RoBERTa's
 * embeddings, then BERT's encoder unchanged (the same names and maths).
 */
export class RobertaModel extends Module {
  readonly embeddings: RobertaEmbeddings;
  readonly encoder: BertEncoder;

  constructor(
    readonly config: RobertaConfig,
    rng: Rng,
  ) {
    super();
    this.embeddings = this.registerModule('embeddings', new RobertaEmbeddings(config, rng));
    this.encoder = this.registerModule('encoder', new BertEncoder(config.bert, rng));
  }

  /** ids, mask (1 = attend, 0 = padding) and optional token types (zeros when left out), all [B, T] → [B, T, H]. */
  forward(inputIds: IntTensor, attentionMask: IntTensor, tokenTypeIds?: IntTensor): Tensor {
    const types = tokenTypeIds ?? new IntTensor(new Int32Array(inputIds.size), inputIds.shape);
    const c = this.config;
    // Positions run from pad_token_id + 1, so the longest input is maxLength, not max_position_embeddings.
    checkSequenceInputs(
      {
        family: 'RoBERTa',
        maxPositions: c.maxLength,
        vocabSize: c.vocabSize,
        typeVocabSize: c.typeVocabSize,
      },
      inputIds,
      attentionMask,
      types,
    );
    const hidden = this.embeddings.forward(inputIds, types);
    return this.encoder.forward(hidden, attentionBias(attentionMask));
  }
}
