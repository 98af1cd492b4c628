import { UserError } from '../../errors.js';
import {
  readBoolean,
  readInt,
  readNumber,
  requirePositiveInts,
  requireProbabilities,
} from '../common/config-fields.js';
import { labelMapsJSON, labelsFor, readLabels, validateLabels } from '../common/labels.js';
import type { ClassifierConfig } from '../family.js';
import { readProblemType, SINGLE_LABEL, type ProblemType } from '../common/problem-type.js';

/** The fields of a DistilBERT `config.json` this project uses, in camelCase (transformers' names are short). */
export interface DistilBertConfigFields {
  vocabSize: number;
  /** Hidden size (transformers: `dim`). */
  dim: number;
  nLayers: number;
  nHeads: number;
  /** The feed-forward block's inner size. */
  hiddenDim: number;
  /** Only the exact (erf) GELU that transformers calls "gelu". */
  activation: 'gelu';
  dropout: number;
  attentionDropout: number;
  /** Dropout between the pre-classifier and the classifier. */
  seqClassifDropout: number;
  maxPositionEmbeddings: number;
  /** A fresh model's position table is sinusoidal, not random (a checkpoint brings its own either way). */
  sinusoidalPosEmbds: boolean;
  initializerRange: number;
  /** The word-embedding row treated as padding (zero at init, no gradient); null for none. */
  padTokenId: number | null;
  labels: string[];
  /** config.json's problem_type; single-label when left out. */
  problemType?: ProblemType;
}

/** transformers' DistilBertConfig defaults: distilbert-base-uncased's architecture. */
const HF_DEFAULTS = {
  vocab_size: 30522,
  max_position_embeddings: 512,
  sinusoidal_pos_embds: false,
  n_layers: 6,
  n_heads: 12,
  dim: 768,
  hidden_dim: 3072,
  dropout: 0.1,
  attention_dropout: 0.1,
  activation: 'gelu',
  initializer_range: 0.02,
  seq_classif_dropout: 0.2,
  pad_token_id: 0,
} as const;

/** DistilBERT's LayerNorms all use 1e-12; transformers hard-codes it rather than reading the config. */
export const DISTILBERT_LAYER_NORM_EPS = 1e-12;

export class DistilBertConfig implements DistilBertConfigFields, ClassifierConfig {
  readonly modelType = 'distilbert';
  /** DistilBERT has no token-type embeddings; token types given to it are ignored. */
  readonly usesTokenTypes = false;
  readonly vocabSize: number;
  readonly dim: number;
  readonly nLayers: number;
  readonly nHeads: number;
  readonly hiddenDim: number;
  readonly activation: 'gelu';
  readonly dropout: number;
  readonly attentionDropout: number;
  readonly seqClassifDropout: number;
  readonly maxPositionEmbeddings: number;
  readonly sinusoidalPosEmbds: boolean;
  readonly initializerRange: number;
  readonly padTokenId: number | null;
  readonly labels: string[];
  readonly problemType: ProblemType;

  /** Validates every field; `source` names the file in error messages. */
  constructor(fields: DistilBertConfigFields, source = 'DistilBERT config') {
    this.vocabSize = fields.vocabSize;
    this.dim = fields.dim;
    this.nLayers = fields.nLayers;
    this.nHeads = fields.nHeads;
    this.hiddenDim = fields.hiddenDim;
    this.activation = fields.activation;
    this.dropout = fields.dropout;
    this.attentionDropout = fields.attentionDropout;
    this.seqClassifDropout = fields.seqClassifDropout;
    this.maxPositionEmbeddings = fields.maxPositionEmbeddings;
    this.sinusoidalPosEmbds = fields.sinusoidalPosEmbds;
    this.initializerRange = fields.initializerRange;
    this.padTokenId = fields.padTokenId;
    this.labels = [...fields.labels];
    this.problemType = fields.problemType ?? SINGLE_LABEL;
    validate(this, source);
  }

  get numLabels(): number {
    return this.labels.length;
  }

  get maxLength(): number {
    return this.maxPositionEmbeddings;
  }

  withLabels(labels: readonly string[], problemType = this.problemType): DistilBertConfig {
    return new DistilBertConfig({ ...this.fields(), labels: [...labels], problemType });
  }

  fields(): DistilBertConfigFields {
    return {
      vocabSize: this.vocabSize,
      dim: this.dim,
      nLayers: this.nLayers,
      nHeads: this.nHeads,
      hiddenDim: this.hiddenDim,
      activation: this.activation,
      dropout: this.dropout,
      attentionDropout: this.attentionDropout,
      seqClassifDropout: this.seqClassifDropout,
      maxPositionEmbeddings: this.maxPositionEmbeddings,
      sinusoidalPosEmbds: this.sinusoidalPosEmbds,
      initializerRange: this.initializerRange,
      padTokenId: this.padTokenId,
      labels: [...this.labels],
      problemType: this.problemType,
    };
  }

  /**
   * Parses the object of an HF `config.json`. Missing fields take transformers' DistilBertConfig
   * defaults; labels come from `id2label`, else `num_labels`, else two.
   */
  static fromJSON(json: unknown, source = 'config.json'): DistilBertConfig {
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      throw new UserError(`${source}: expected a JSON object.`);
    }
    const o = json as Record<string, unknown>;
    if (o.model_type !== undefined && o.model_type !== 'distilbert') {
      throw new UserError(
        `${source}: model_type is "${String(o.model_type)}", but a DistilBERT config needs "distilbert".`,
      );
    }
    const activation = o.activation ?? HF_DEFAULTS.activation;
    if (activation !== 'gelu') {
      throw new UserError(
        `${source}: activation ${JSON.stringify(activation)} is not supported; only "gelu" (the exact erf form) is.`,
      );
    }
    const int = (key: keyof typeof HF_DEFAULTS): number =>
      readInt(o, key, HF_DEFAULTS[key] as number, source);
    const num = (key: keyof typeof HF_DEFAULTS): number =>
      readNumber(o, key, HF_DEFAULTS[key] as number, source);
    return new DistilBertConfig(
      {
        vocabSize: int('vocab_size'),
        dim: int('dim'),
        nLayers: int('n_layers'),
        nHeads: int('n_heads'),
        hiddenDim: int('hidden_dim'),
        activation: 'gelu',
        dropout: num('dropout'),
        attentionDropout: num('attention_dropout'),
        seqClassifDropout: num('seq_classif_dropout'),
        maxPositionEmbeddings: int('max_position_embeddings'),
        sinusoidalPosEmbds: readBoolean(o, 'sinusoidal_pos_embds', HF_DEFAULTS.sinusoidal_pos_embds, source),
        initializerRange: num('initializer_range'),
        padTokenId: o.pad_token_id === null ? null : int('pad_token_id'),
        labels: readLabels(o, source),
        problemType: readProblemType(o, source),
      },
      source,
    );
  }

  /** An HF-compatible `config.json` object for DistilBertForSequenceClassification. */
  toJSON(): Record<string, unknown> {
    const { id2label, label2id } = labelMapsJSON(this.labels);
    return {
      activation: this.activation,
      architectures: ['DistilBertForSequenceClassification'],
      attention_dropout: this.attentionDropout,
      dim: this.dim,
      dropout: this.dropout,
      dtype: 'float32',
      hidden_dim: this.hiddenDim,
      id2label,
      initializer_range: this.initializerRange,
      label2id,
      max_position_embeddings: this.maxPositionEmbeddings,
      model_type: 'distilbert',
      n_heads: this.nHeads,
      n_layers: this.nLayers,
      pad_token_id: this.padTokenId,
      problem_type: this.problemType,
      seq_classif_dropout: this.seqClassifDropout,
      sinusoidal_pos_embds: this.sinusoidalPosEmbds,
      vocab_size: this.vocabSize,
    };
  }
}

/** distilbert-base-uncased's architecture: 6 layers, dim 768, 12 heads, feed-forward 3072, 512 positions. */
export function distilBertBaseConfig(numLabels: number | readonly string[]): DistilBertConfig {
  return new DistilBertConfig({ ...DistilBertConfig.fromJSON({}).fields(), labels: labelsFor(numLabels) });
}

function validate(c: DistilBertConfig, source: string): void {
  requirePositiveInts(
    [
      ['vocab_size', c.vocabSize],
      ['dim', c.dim],
      ['n_layers', c.nLayers],
      ['n_heads', c.nHeads],
      ['hidden_dim', c.hiddenDim],
      ['max_position_embeddings', c.maxPositionEmbeddings],
    ],
    source,
  );
  if (c.dim % c.nHeads !== 0) {
    throw new UserError(`${source}: dim ${c.dim} is not divisible by n_heads ${c.nHeads}.`);
  }
  if (!(c.initializerRange > 0)) {
    throw new UserError(`${source}: initializer_range must be positive, got ${c.initializerRange}.`);
  }
  requireProbabilities(
    [
      ['dropout', c.dropout],
      ['attention_dropout', c.attentionDropout],
      ['seq_classif_dropout', c.seqClassifDropout],
    ],
    source,
  );
  if (c.activation !== 'gelu') {
    throw new UserError(`${source}: activation "${String(c.activation)}" is not supported; only "gelu" is.`);
  }
  if (
    c.padTokenId !== null &&
    (!Number.isInteger(c.padTokenId) || c.padTokenId < 0 || c.padTokenId >= c.vocabSize)
  ) {
    throw new UserError(
      `${source}: pad_token_id ${c.padTokenId} is outside the vocabulary of ${c.vocabSize} tokens.`,
    );
  }
  validateLabels(c.labels, source);
}
