import { UserError } from '../../errors.js';
import { Module } from '../../nn/index.js';
import { attentionBias } from '../../tensor/ops/attention-bias.js';
import type { Rng } from '../../tensor/random.js';
import { IntTensor, Tensor, shapeToString } from '../../tensor/tensor.js';
import type { BertConfig } from './config.js';
import { BertEmbeddings } from './embeddings.js';
import { BertEncoder } from './encoder.js';
import { BertPooler } from './pooler.js';

export interface BertModelOutput {
  /** Last layer's hidden states [B, T, H]. */
  sequenceOutput: Tensor;
  /** The pooler's output [B, H]. */
  pooledOutput: Tensor;
}

/** The BERT encoder with its pooler (HF's BertModel with add_pooling_layer=True). */
export class BertModel extends Module {
  readonly embeddings: BertEmbeddings;
  readonly encoder: BertEncoder;
  readonly pooler: BertPooler;

  constructor(
    readonly config: BertConfig,
    rng: Rng,
  ) {
    super();
    this.embeddings = this.registerModule('embeddings', new BertEmbeddings(config, rng));
    this.encoder = this.registerModule('encoder', new BertEncoder(config, rng));
    this.pooler = this.registerModule('pooler', new BertPooler(config));
  }

  /** ids, mask (1 = attend, 0 = padding) and optional token types, all [B, T]. */
  forward(inputIds: IntTensor, attentionMask: IntTensor, tokenTypeIds?: IntTensor): BertModelOutput {
    const types = tokenTypeIds ?? new IntTensor(new Int32Array(inputIds.size), inputIds.shape);
    checkInputs(this.config, inputIds, attentionMask, types);
    const hidden = this.embeddings.forward(inputIds, types);
    const sequenceOutput = this.encoder.forward(hidden, attentionBias(attentionMask));
    return { sequenceOutput, pooledOutput: this.pooler.forward(sequenceOutput) };
  }
}

function checkInputs(config: BertConfig, ids: IntTensor, mask: IntTensor, types: IntTensor): void {
  if (ids.shape.length !== 2 || ids.shape[0] < 1 || ids.shape[1] < 1) {
    throw new UserError(
      `BERT expects input ids of shape [batch, length], but got ${shapeToString(ids.shape)}.`,
    );
  }
  for (const [what, t] of [
    ['attention mask', mask],
    ['token type ids', types],
  ] as const) {
    if (t.shape.length !== 2 || t.shape[0] !== ids.shape[0] || t.shape[1] !== ids.shape[1]) {
      throw new UserError(
        `The ${what} has shape ${shapeToString(t.shape)}, but the input ids have ${shapeToString(ids.shape)}.`,
      );
    }
  }
  if (ids.shape[1] > config.maxPositionEmbeddings) {
    throw new UserError(
      `Sequences of ${ids.shape[1]} tokens are longer than the model's ${config.maxPositionEmbeddings} positions.`,
    );
  }
  checkRange('token id', ids.data, config.vocabSize, 'the vocabulary');
  checkRange('token type id', types.data, config.typeVocabSize, 'the token types');
}

function checkRange(what: string, data: Int32Array, size: number, of: string): void {
  for (let i = 0; i < data.length; i++) {
    if (data[i] < 0 || data[i] >= size) {
      throw new UserError(`The ${what} ${data[i]} is outside ${of} of the model (${size} entries).`);
    }
  }
}
