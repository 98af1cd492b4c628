import { Module } from '../../nn/index.js';
import { attentionBias } from '../../tensor/ops/attention-bias.js';
import type { Rng } from '../../tensor/random.js';
import type { IntTensor, Tensor } from '../../tensor/tensor.js';
import { checkSequenceInputs } from '../common/input-checks.js';
import type { DistilBertConfig } from './config.js';
import { DistilBertEmbeddings } from './embeddings.js';
import { DistilBertTransformer } from './transformer.js';

/** transformers' DistilBertModel: embeddings and the transformer stack, no pooler. */
export class DistilBertModel extends Module {
  readonly embeddings: DistilBertEmbeddings;
  readonly transformer: DistilBertTransformer;

  constructor(
    readonly config: DistilBertConfig,
    rng: Rng,
  ) {
    super();
    this.embeddings = this.registerModule('embeddings', new DistilBertEmbeddings(config, rng));
    this.transformer = this.registerModule('transformer', new DistilBertTransformer(config, rng));
  }

  /** ids and mask (1 = attend, 0 = padding) [B, T] → last hidden states [B, T, dim]. */
  forward(inputIds: IntTensor, attentionMask: IntTensor): Tensor {
    checkSequenceInputs(
      {
        family: 'DistilBERT',
        maxPositions: this.config.maxPositionEmbeddings,
        vocabSize: this.config.vocabSize,
      },
      inputIds,
      attentionMask,
    );
    return this.transformer.forward(this.embeddings.forward(inputIds), attentionBias(attentionMask));
  }
}
