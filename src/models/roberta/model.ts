import { UserError } from '../../errors.js';
import { Module } from '../../nn/index.js';
import { attentionBias } from '../../tensor/ops/attention-bias.js';
import type { Rng } from '../../tensor/random.js';
import { IntTensor, type Tensor, shapeToString } from '../../tensor/tensor.js';
import { BertEncoder } from '../bert/encoder.js';
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
    checkInputs(this.config, inputIds, attentionMask, types);
    const hidden = this.embeddings.forward(inputIds, types);
    return this.encoder.forward(hidden, attentionBias(attentionMask));
  }
}

function checkInputs(config: RobertaConfig, ids: IntTensor, mask: IntTensor, types: IntTensor): void {
  if (ids.shape.length !== 2 || ids.shape[0] < 1 || ids.shape[1] < 1) {
    throw new UserError(
      `The ${config.modelType} model expects input ids of shape [batch, length], but got ${shapeToString(ids.shape)}.`,
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
  if (ids.shape[1] > config.maxLength) {
    throw new UserError(
      `Sequences of ${ids.shape[1]} tokens are longer than the ${config.maxLength} tokens this ${config.modelType} model reads (max_position_embeddings ${config.maxPositionEmbeddings}, of which positions 0 to pad_token_id ${config.padTokenId} are never a token's).`,
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
