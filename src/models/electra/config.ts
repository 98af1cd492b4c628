import { UserError } from '../../errors.js';
import { BertConfig, type BertConfigFields } from '../bert/config.js';
import { readInt, requirePositiveInts } from '../common/config-fields.js';
import { labelMapsJSON, labelsFor } from '../common/labels.js';
import type { ClassifierConfig } from '../family.js';
import type { ProblemType } from '../common/problem-type.js';

/** ELECTRA's fields: BERT's, plus the embeddings' own width. */
export interface ElectraConfigFields extends BertConfigFields {
  /** The width of the embeddings; projected to hidden_size by `embeddings_project` when they differ. */
  embeddingSize: number;
}

/** transformers' ElectraConfig defaults where they differ from BertConfig's (electra-small's sizes). */
const ENCODER_DEFAULTS = { hidden_size: 256, num_attention_heads: 4, intermediate_size: 1024 } as const;
const DEFAULT_EMBEDDING_SIZE = 128;

/**
 * An ELECTRA config: the encoder is BERT's, so its fields are read, checked and kept as a BertConfig
 * (`encoder`), which BERT's layers take as they are; ELECTRA adds the embedding width.
 */
export class ElectraConfig implements ClassifierConfig {
  readonly modelType = 'electra';
  readonly usesTokenTypes = true;
  /** The encoder's config, which BERT's modules read (hidden size, heads, dropouts …). */
  readonly encoder: BertConfig;
  readonly embeddingSize: number;

  /** Validates every field; `source` names the file in error messages. */
  constructor(fields: ElectraConfigFields, source = 'ELECTRA config') {
    const { embeddingSize, ...bert } = fields;
    requirePositiveInts([['embedding_size', embeddingSize]], source);
    this.embeddingSize = embeddingSize;
    this.encoder = new BertConfig(bert, source);
  }

  get labels(): string[] {
    return this.encoder.labels;
  }

  get numLabels(): number {
    return this.encoder.numLabels;
  }

  get problemType(): ProblemType {
    return this.encoder.problemType;
  }

  get vocabSize(): number {
    return this.encoder.vocabSize;
  }

  get hiddenSize(): number {
    return this.encoder.hiddenSize;
  }

  get maxLength(): number {
    return this.encoder.maxPositionEmbeddings;
  }

  /** Whether `embeddings_project` exists: only when the embeddings are narrower or wider than the encoder. */
  get projectsEmbeddings(): boolean {
    return this.embeddingSize !== this.encoder.hiddenSize;
  }

  withLabels(labels: readonly string[], problemType = this.problemType): ElectraConfig {
    return new ElectraConfig({ ...this.fields(), labels: [...labels], problemType });
  }

  fields(): ElectraConfigFields {
    return { ...this.encoder.fields(), embeddingSize: this.embeddingSize };
  }

  /**
   * Parses the object of an HF `config.json`. Missing fields take transformers' ElectraConfig defaults
   * (electra-small's sizes); the rest is read and checked as BERT's.
   */
  static fromJSON(json: unknown, source = 'config.json'): ElectraConfig {
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      throw new UserError(`${source}: expected a JSON object.`);
    }
    const o = json as Record<string, unknown>;
    if (o.model_type !== undefined && o.model_type !== 'electra') {
      throw new UserError(
        `${source}: model_type is "${String(o.model_type)}", but an ELECTRA config needs "electra".`,
      );
    }
    if (o.is_decoder === true || o.add_cross_attention === true) {
      throw new UserError(
        `${source}: decoder ELECTRA models (is_decoder, add_cross_attention) are not supported.`,
      );
    }
    const embeddingSize = readInt(o, 'embedding_size', DEFAULT_EMBEDDING_SIZE, source);
    const encoder = BertConfig.fromJSON({ ...ENCODER_DEFAULTS, ...o, model_type: 'bert' }, source);
    return new ElectraConfig({ ...encoder.fields(), embeddingSize }, source);
  }

  /** An HF-compatible `config.json` object for ElectraForSequenceClassification. */
  toJSON(): Record<string, unknown> {
    const e = this.encoder;
    const { id2label, label2id } = labelMapsJSON(e.labels);
    return {
      architectures: ['ElectraForSequenceClassification'],
      attention_probs_dropout_prob: e.attentionProbsDropoutProb,
      classifier_dropout: e.classifierDropout,
      dtype: 'float32',
      embedding_size: this.embeddingSize,
      hidden_act: e.hiddenAct,
      hidden_dropout_prob: e.hiddenDropoutProb,
      hidden_size: e.hiddenSize,
      id2label,
      initializer_range: e.initializerRange,
      intermediate_size: e.intermediateSize,
      label2id,
      layer_norm_eps: e.layerNormEps,
      max_position_embeddings: e.maxPositionEmbeddings,
      model_type: 'electra',
      num_attention_heads: e.numAttentionHeads,
      num_hidden_layers: e.numHiddenLayers,
      pad_token_id: e.padTokenId,
      position_embedding_type: 'absolute',
      problem_type: e.problemType,
      type_vocab_size: e.typeVocabSize,
      use_cache: true,
      vocab_size: e.vocabSize,
    };
  }
}

/** google/electra-small-discriminator's architecture: embeddings 128, hidden 256, 12 layers, 4 heads, FF 1024. */
export function electraSmallConfig(numLabels: number | readonly string[]): ElectraConfig {
  return new ElectraConfig({ ...ElectraConfig.fromJSON({}).fields(), labels: labelsFor(numLabels) });
}
