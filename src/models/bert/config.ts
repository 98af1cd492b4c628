import { UserError } from '../../errors.js';
import { readInt, readNumber, requirePositiveInts, requireProbabilities } from '../common/config-fields.js';
import { labelMapsJSON, labelsFor, readLabels, validateLabels } from '../common/labels.js';
import type { ClassifierConfig } from '../family.js';
import { readProblemType, SINGLE_LABEL, type ProblemType } from '../common/problem-type.js';

export { areDefaultLabels, defaultLabels } from '../common/labels.js';

/**
 * The fields of a Hugging Face BERT `config.json` this project uses, in camelCase. Labels are kept as
 * one list (`labels[id]`), from which `id2label`/`label2id` are written back.
 */
export interface BertConfigFields {
  vocabSize: number;
  hiddenSize: number;
  numHiddenLayers: number;
  numAttentionHeads: number;
  intermediateSize: number;
  maxPositionEmbeddings: number;
  typeVocabSize: number;
  layerNormEps: number;
  hiddenDropoutProb: number;
  attentionProbsDropoutProb: number;
  /** Only the exact (erf) GELU that HF calls "gelu". */
  hiddenAct: 'gelu';
  initializerRange: number;
  /** Dropout before the classifier; null means `hiddenDropoutProb`, as in HF. */
  classifierDropout: number | null;
  /** The word-embedding row HF treats as padding (zero at init, no gradient); null for none. */
  padTokenId: number | null;
  labels: string[];
  /** config.json's problem_type; single-label when left out. */
  problemType?: ProblemType;
}

/** HF's defaults for a field a config.json leaves out (BertConfig's constructor defaults). */
const HF_DEFAULTS = {
  vocab_size: 30522,
  hidden_size: 768,
  num_hidden_layers: 12,
  num_attention_heads: 12,
  intermediate_size: 3072,
  max_position_embeddings: 512,
  type_vocab_size: 2,
  layer_norm_eps: 1e-12,
  hidden_dropout_prob: 0.1,
  attention_probs_dropout_prob: 0.1,
  hidden_act: 'gelu',
  initializer_range: 0.02,
  classifier_dropout: null,
  pad_token_id: 0,
  num_labels: 2,
} as const;

export class BertConfig implements BertConfigFields, ClassifierConfig {
  readonly modelType = 'bert';
  readonly usesTokenTypes = true;
  readonly vocabSize: number;
  readonly hiddenSize: number;
  readonly numHiddenLayers: number;
  readonly numAttentionHeads: number;
  readonly intermediateSize: number;
  readonly maxPositionEmbeddings: number;
  readonly typeVocabSize: number;
  readonly layerNormEps: number;
  readonly hiddenDropoutProb: number;
  readonly attentionProbsDropoutProb: number;
  readonly hiddenAct: 'gelu';
  readonly initializerRange: number;
  readonly classifierDropout: number | null;
  readonly padTokenId: number | null;
  readonly labels: string[];
  readonly problemType: ProblemType;

  /** Validates every field; `source` names the file in error messages. */
  constructor(fields: BertConfigFields, source = 'BERT config') {
    this.vocabSize = fields.vocabSize;
    this.hiddenSize = fields.hiddenSize;
    this.numHiddenLayers = fields.numHiddenLayers;
    this.numAttentionHeads = fields.numAttentionHeads;
    this.intermediateSize = fields.intermediateSize;
    this.maxPositionEmbeddings = fields.maxPositionEmbeddings;
    this.typeVocabSize = fields.typeVocabSize;
    this.layerNormEps = fields.layerNormEps;
    this.hiddenDropoutProb = fields.hiddenDropoutProb;
    this.attentionProbsDropoutProb = fields.attentionProbsDropoutProb;
    this.hiddenAct = fields.hiddenAct;
    this.initializerRange = fields.initializerRange;
    this.classifierDropout = fields.classifierDropout;
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

  get headDim(): number {
    return this.hiddenSize / this.numAttentionHeads;
  }

  /** The dropout probability in front of the classifier. */
  get classifierDropoutProb(): number {
    return this.classifierDropout ?? this.hiddenDropoutProb;
  }

  /** The same architecture with other labels (the classifier's size follows). */
  withLabels(labels: readonly string[], problemType = this.problemType): BertConfig {
    return new BertConfig({ ...this.fields(), labels: [...labels], problemType });
  }

  fields(): BertConfigFields {
    return {
      vocabSize: this.vocabSize,
      hiddenSize: this.hiddenSize,
      numHiddenLayers: this.numHiddenLayers,
      numAttentionHeads: this.numAttentionHeads,
      intermediateSize: this.intermediateSize,
      maxPositionEmbeddings: this.maxPositionEmbeddings,
      typeVocabSize: this.typeVocabSize,
      layerNormEps: this.layerNormEps,
      hiddenDropoutProb: this.hiddenDropoutProb,
      attentionProbsDropoutProb: this.attentionProbsDropoutProb,
      hiddenAct: this.hiddenAct,
      initializerRange: this.initializerRange,
      classifierDropout: this.classifierDropout,
      padTokenId: this.padTokenId,
      labels: [...this.labels],
      problemType: this.problemType,
    };
  }

  /**
   * Parses the object of an HF `config.json`. Missing fields take HF's BertConfig defaults; labels come
   * from `id2label`, else `num_labels`, else HF's default of two.
   */
  static fromJSON(json: unknown, source = 'config.json'): BertConfig {
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      throw new UserError(`${source}: expected a JSON object.`);
    }
    const o = json as Record<string, unknown>;
    if (o.model_type !== undefined && o.model_type !== 'bert') {
      throw new UserError(
        `${source}: model_type is "${String(o.model_type)}", but only "bert" is supported.`,
      );
    }
    const positionType = o.position_embedding_type;
    if (positionType !== undefined && positionType !== null && positionType !== 'absolute') {
      throw new UserError(
        `${source}: position_embedding_type "${String(positionType)}" is not supported; only "absolute" is.`,
      );
    }
    if (o.is_decoder === true || o.add_cross_attention === true) {
      throw new UserError(
        `${source}: decoder BERT models (is_decoder, add_cross_attention) are not supported.`,
      );
    }
    const hiddenAct = o.hidden_act ?? HF_DEFAULTS.hidden_act;
    if (hiddenAct !== 'gelu') {
      throw new UserError(
        `${source}: hidden_act ${JSON.stringify(hiddenAct)} is not supported; only "gelu" (the exact erf form) is.`,
      );
    }
    const int = (key: keyof typeof HF_DEFAULTS): number =>
      readInt(o, key, HF_DEFAULTS[key] as number, source);
    const num = (key: keyof typeof HF_DEFAULTS): number =>
      readNumber(o, key, HF_DEFAULTS[key] as number, source);
    const classifierDropout =
      o.classifier_dropout === undefined || o.classifier_dropout === null ? null : num('classifier_dropout');
    const padTokenId = o.pad_token_id === null ? null : int('pad_token_id');
    return new BertConfig(
      {
        vocabSize: int('vocab_size'),
        hiddenSize: int('hidden_size'),
        numHiddenLayers: int('num_hidden_layers'),
        numAttentionHeads: int('num_attention_heads'),
        intermediateSize: int('intermediate_size'),
        maxPositionEmbeddings: int('max_position_embeddings'),
        typeVocabSize: int('type_vocab_size'),
        layerNormEps: num('layer_norm_eps'),
        hiddenDropoutProb: num('hidden_dropout_prob'),
        attentionProbsDropoutProb: num('attention_probs_dropout_prob'),
        hiddenAct: 'gelu',
        initializerRange: num('initializer_range'),
        classifierDropout,
        padTokenId,
        labels: readLabels(o, source),
        problemType: readProblemType(o, source),
      },
      source,
    );
  }

  /** An HF-compatible `config.json` object for BertForSequenceClassification. */
  toJSON(): Record<string, unknown> {
    const { id2label, label2id } = labelMapsJSON(this.labels);
    return {
      architectures: ['BertForSequenceClassification'],
      attention_probs_dropout_prob: this.attentionProbsDropoutProb,
      classifier_dropout: this.classifierDropout,
      dtype: 'float32',
      hidden_act: this.hiddenAct,
      hidden_dropout_prob: this.hiddenDropoutProb,
      hidden_size: this.hiddenSize,
      id2label,
      initializer_range: this.initializerRange,
      intermediate_size: this.intermediateSize,
      label2id,
      layer_norm_eps: this.layerNormEps,
      max_position_embeddings: this.maxPositionEmbeddings,
      model_type: 'bert',
      num_attention_heads: this.numAttentionHeads,
      num_hidden_layers: this.numHiddenLayers,
      pad_token_id: this.padTokenId,
      position_embedding_type: 'absolute',
      problem_type: this.problemType,
      type_vocab_size: this.typeVocabSize,
      use_cache: true,
      vocab_size: this.vocabSize,
    };
  }
}

/** prajjwal1/bert-tiny's architecture: 2 layers, hidden 128, 2 heads, intermediate 512. */
export function bertTinyConfig(numLabels: number | readonly string[]): BertConfig {
  return new BertConfig({
    ...sharedPreset(),
    hiddenSize: 128,
    numHiddenLayers: 2,
    numAttentionHeads: 2,
    intermediateSize: 512,
    labels: labelsFor(numLabels),
  });
}

/** The study's Small-BERT, trained from scratch: 4 layers, hidden 256, 4 heads, intermediate 512. */
export function smallBertConfig(numLabels: number | readonly string[]): BertConfig {
  return new BertConfig({
    ...sharedPreset(),
    hiddenSize: 256,
    numHiddenLayers: 4,
    numAttentionHeads: 4,
    intermediateSize: 512,
    labels: labelsFor(numLabels),
  });
}

function sharedPreset(): Omit<
  BertConfigFields,
  'hiddenSize' | 'numHiddenLayers' | 'numAttentionHeads' | 'intermediateSize' | 'labels'
> {
  return {
    vocabSize: 30522,
    maxPositionEmbeddings: 512,
    typeVocabSize: 2,
    layerNormEps: 1e-12,
    hiddenDropoutProb: 0.1,
    attentionProbsDropoutProb: 0.1,
    hiddenAct: 'gelu',
    initializerRange: 0.02,
    classifierDropout: null,
    padTokenId: 0,
  };
}

function validate(c: BertConfig, source: string): void {
  requirePositiveInts(
    [
      ['vocab_size', c.vocabSize],
      ['hidden_size', c.hiddenSize],
      ['num_hidden_layers', c.numHiddenLayers],
      ['num_attention_heads', c.numAttentionHeads],
      ['intermediate_size', c.intermediateSize],
      ['max_position_embeddings', c.maxPositionEmbeddings],
      ['type_vocab_size', c.typeVocabSize],
    ],
    source,
  );
  if (c.hiddenSize % c.numAttentionHeads !== 0) {
    throw new UserError(
      `${source}: hidden_size ${c.hiddenSize} is not divisible by num_attention_heads ${c.numAttentionHeads}.`,
    );
  }
  if (!(c.layerNormEps > 0))
    throw new UserError(`${source}: layer_norm_eps must be positive, got ${c.layerNormEps}.`);
  if (!(c.initializerRange > 0)) {
    throw new UserError(`${source}: initializer_range must be positive, got ${c.initializerRange}.`);
  }
  requireProbabilities(
    [
      ['hidden_dropout_prob', c.hiddenDropoutProb],
      ['attention_probs_dropout_prob', c.attentionProbsDropoutProb],
      ['classifier_dropout', c.classifierDropout],
    ],
    source,
  );
  if (c.hiddenAct !== 'gelu') {
    throw new UserError(`${source}: hidden_act "${String(c.hiddenAct)}" is not supported; only "gelu" is.`);
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
