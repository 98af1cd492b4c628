import { Linear, Module, projection } from '../../nn/index.js';
import { attentionBias } from '../../tensor/ops/attention-bias.js';
import type { Rng } from '../../tensor/random.js';
import { IntTensor, type Tensor } from '../../tensor/tensor.js';
import { BertEncoder } from '../bert/encoder.js';
import { checkSequenceInputs } from '../common/input-checks.js';
import type { ElectraConfig } from './config.js';
import { ElectraEmbeddings } from './embeddings.js';

/**
 * transformers' ElectraModel: embeddings of width `embedding_size`, `embeddings_project` up to the
 * hidden size when the two differ, then BERT's encoder (same names, same maths); no pooler.
 */
export class ElectraModel extends Module {
  readonly embeddings: ElectraEmbeddings;
  readonly encoder: BertEncoder;

  constructor(
    readonly config: ElectraConfig,
    rng: Rng,
  ) {
    super();
    this.embeddings = this.registerModule('embeddings', new ElectraEmbeddings(config, rng));
    if (config.projectsEmbeddings) {
      this.registerModule('embeddings_project', new Linear(config.embeddingSize, config.hiddenSize));
    }
    this.encoder = this.registerModule('encoder', new BertEncoder(config.encoder, rng));
  }

  /** ids, mask (1 = attend, 0 = padding) and optional token types, all [B, T] → [B, T, hidden]. */
  forward(inputIds: IntTensor, attentionMask: IntTensor, tokenTypeIds?: IntTensor): Tensor {
    const e = this.config.encoder;
    const types = tokenTypeIds ?? new IntTensor(new Int32Array(inputIds.size), inputIds.shape);
    checkSequenceInputs(
      {
        family: 'ELECTRA',
        maxPositions: e.maxPositionEmbeddings,
        vocabSize: e.vocabSize,
        typeVocabSize: e.typeVocabSize,
      },
      inputIds,
      attentionMask,
      types,
    );
    let hidden = this.embeddings.forward(inputIds, types);
    if (this.config.projectsEmbeddings) hidden = projection(this, 'embeddings_project').forward(hidden);
    return this.encoder.forward(hidden, attentionBias(attentionMask));
  }
}
