import { UserError } from '../../errors.js';
import { BertConfig } from '../bert/config.js';
import { readInt, readNumber, readOptionalNumber } from '../common/config-fields.js';
import { labelMapsJSON, labelsFor, readLabels } from '../common/labels.js';
import type { ClassifierConfig } from '../family.js';
import { readProblemType, SINGLE_LABEL, type ProblemType } from '../common/problem-type.js';

/** The two model_type values of one architecture: XLM-RoBERTa is RoBERTa with another vocabulary. */
export type RobertaModelType = 'roberta' | 'xlm-roberta';

/**
 * The fields of a Hugging Face RoBERTa or XLM-RoBERTa `config.json` this project uses, in camelCase.
 * Unlike BERT's, pad_token_id is required: positions are counted from it.
 */
export interface RobertaConfigFields {
  modelType: RobertaModelType;
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
  /** Dropout of the classification head; null means `hiddenDropoutProb`, as in HF. */
  classifierDropout: number | null;
  /** The padding token: its word-embedding row and position row (padding_idx) get no gradient. */
  padTokenId: number;
  bosTokenId: number | null;
  eosTokenId: number | null;
  labels: string[];
  /** config.json's problem_type; single-label when left out. */
  problemType?: ProblemType;
}

/**
 * HF's constructor defaults of RobertaConfig and XLMRobertaConfig, which differ only in vocab_size.
 * They are BertConfig's (512 positions, 2 token types, eps 1e-12), not roberta-base's config.json
 * (514, 1, 1e-5): a config.json that leaves a field out gets these in transformers.
 */
const HF_DEFAULTS = {
  hidden_size: 768,
  num_hidden_layers: 12,
  num_attention_heads: 12,
  intermediate_size: 3072,
  max_position_embeddings: 512,
  type_vocab_size: 2,
  layer_norm_eps: 1e-12,
  hidden_dropout_prob: 0.1,
  attention_probs_dropout_prob: 0.1,
  initializer_range: 0.02,
  pad_token_id: 1,
  bos_token_id: 0,
  eos_token_id: 2,
} as const;
const DEFAULT_VOCAB_SIZE: Record<RobertaModelType, number> = { roberta: 50265, 'xlm-roberta': 30522 };
const ARCHITECTURE: Record<RobertaModelType, string> = {
  roberta: 'RobertaForSequenceClassification',
  'xlm-roberta': 'XLMRobertaForSequenceClassification',
};

export class RobertaConfig implements RobertaConfigFields, ClassifierConfig {
  readonly usesTokenTypes = false;
  readonly modelType: RobertaModelType;
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
  readonly padTokenId: number;
  readonly bosTokenId: number | null;
  readonly eosTokenId: number | null;
  readonly labels: string[];
  readonly problemType: ProblemType;
  /**
   * The same sizes as a BertConfig, for the BERT encoder modules this family reuses; building it
   * also checks every field the two families share.
   */
  readonly bert: BertConfig;

  /** Validates every field; `source` names the file in error messages. */
  constructor(fields: RobertaConfigFields, source = 'RoBERTa config') {
    this.modelType = fields.modelType;
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
    this.bosTokenId = fields.bosTokenId;
    this.eosTokenId = fields.eosTokenId;
    this.labels = [...fields.labels];
    this.problemType = fields.problemType ?? SINGLE_LABEL;
    if (this.modelType !== 'roberta' && this.modelType !== 'xlm-roberta') {
      throw new UserError(
        `${source}: model_type "${String(this.modelType)}" is not RoBERTa's; use "roberta" or "xlm-roberta".`,
      );
    }
    this.bert = new BertConfig({ ...this.bertFields() }, source);
    if (this.maxLength < 1) {
      throw new UserError(
        `${source}: max_position_embeddings ${this.maxPositionEmbeddings} leaves no position for a token after pad_token_id ${this.padTokenId}; it must exceed pad_token_id + 1.`,
      );
    }
  }

  get numLabels(): number {
    return this.labels.length;
  }

  /**
   * The longest input: position ids run from pad_token_id + 1 to pad_token_id + length, and must stay
   * below max_position_embeddings (514 positions read 512 tokens).
   */
  get maxLength(): number {
    return this.maxPositionEmbeddings - this.padTokenId - 1;
  }

  /** The dropout probability of the classification head. */
  get classifierDropoutProb(): number {
    return this.classifierDropout ?? this.hiddenDropoutProb;
  }

  /** The same architecture with other labels (the classification head's size follows). */
  withLabels(labels: readonly string[], problemType = this.problemType): RobertaConfig {
    return new RobertaConfig({ ...this.fields(), labels: [...labels], problemType });
  }

  fields(): RobertaConfigFields {
    return {
      modelType: this.modelType,
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
      bosTokenId: this.bosTokenId,
      eosTokenId: this.eosTokenId,
      labels: [...this.labels],
      problemType: this.problemType,
    };
  }

  private bertFields(): ReturnType<BertConfig['fields']> {
    const { modelType: _type, bosTokenId: _bos, eosTokenId: _eos, ...shared } = this.fields();
    return shared;
  }

  /**
   * Parses the object of an HF `config.json` whose model_type is "roberta" or "xlm-roberta". Missing
   * fields take HF's RobertaConfig (XLMRobertaConfig) defaults; labels come from `id2label`, else
   * `num_labels`, else HF's default of two.
   */
  static fromJSON(json: unknown, source = 'config.json'): RobertaConfig {
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      throw new UserError(`${source}: expected a JSON object.`);
    }
    const o = json as Record<string, unknown>;
    const modelType = o.model_type;
    if (modelType !== 'roberta' && modelType !== 'xlm-roberta') {
      throw new UserError(
        `${source}: model_type is ${JSON.stringify(modelType)}, but RoBERTa reads only "roberta" and "xlm-roberta".`,
      );
    }
    refuseUnsupported(o, source);
    const int = (key: keyof typeof HF_DEFAULTS): number => readInt(o, key, HF_DEFAULTS[key], source);
    const num = (key: keyof typeof HF_DEFAULTS): number => readNumber(o, key, HF_DEFAULTS[key], source);
    const optionalInt = (key: 'bos_token_id' | 'eos_token_id'): number | null =>
      o[key] === null ? null : int(key);
    if (o.pad_token_id === null) {
      throw new UserError(
        `${source}: pad_token_id is null, but RoBERTa needs it: position ids are counted from it.`,
      );
    }
    return new RobertaConfig(
      {
        modelType,
        vocabSize: readInt(o, 'vocab_size', DEFAULT_VOCAB_SIZE[modelType], source),
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
        classifierDropout: readOptionalNumber(o, 'classifier_dropout', source),
        padTokenId: int('pad_token_id'),
        bosTokenId: optionalInt('bos_token_id'),
        eosTokenId: optionalInt('eos_token_id'),
        labels: readLabels(o, source),
        problemType: readProblemType(o, source),
      },
      source,
    );
  }

  /** An HF-compatible `config.json` object for (XLM)RobertaForSequenceClassification. */
  toJSON(): Record<string, unknown> {
    const { id2label, label2id } = labelMapsJSON(this.labels);
    return {
      architectures: [ARCHITECTURE[this.modelType]],
      attention_probs_dropout_prob: this.attentionProbsDropoutProb,
      bos_token_id: this.bosTokenId,
      classifier_dropout: this.classifierDropout,
      dtype: 'float32',
      eos_token_id: this.eosTokenId,
      hidden_act: this.hiddenAct,
      hidden_dropout_prob: this.hiddenDropoutProb,
      hidden_size: this.hiddenSize,
      id2label,
      initializer_range: this.initializerRange,
      intermediate_size: this.intermediateSize,
      label2id,
      layer_norm_eps: this.layerNormEps,
      max_position_embeddings: this.maxPositionEmbeddings,
      model_type: this.modelType,
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

/** Fails on what transformers' RoBERTa can be but LoRA Lab's cannot: other positions, decoders, activations. */
function refuseUnsupported(o: Record<string, unknown>, source: string): void {
  const positionType = o.position_embedding_type;
  if (positionType !== undefined && positionType !== null && positionType !== 'absolute') {
    throw new UserError(
      `${source}: position_embedding_type "${String(positionType)}" is not supported; only "absolute" is.`,
    );
  }
  if (o.is_decoder === true || o.add_cross_attention === true) {
    throw new UserError(
      `${source}: decoder RoBERTa models (is_decoder, add_cross_attention) are not supported.`,
    );
  }
  const hiddenAct = o.hidden_act ?? 'gelu';
  if (hiddenAct !== 'gelu') {
    throw new UserError(
      `${source}: hidden_act ${JSON.stringify(hiddenAct)} is not supported; only "gelu" (the exact erf form) is.`,
    );
  }
}

/**
 * FacebookAI/roberta-base's architecture as its config.json gives it: 12 layers, hidden 768, 12 heads,
 * intermediate 3072, vocabulary 50,265, 514 positions (512 tokens), one token type, eps 1e-5.
 */
export function robertaBaseConfig(numLabels: number | readonly string[]): RobertaConfig {
  return new RobertaConfig({
    modelType: 'roberta',
    vocabSize: 50265,
    hiddenSize: 768,
    numHiddenLayers: 12,
    numAttentionHeads: 12,
    intermediateSize: 3072,
    maxPositionEmbeddings: 514,
    typeVocabSize: 1,
    layerNormEps: 1e-5,
    hiddenDropoutProb: 0.1,
    attentionProbsDropoutProb: 0.1,
    hiddenAct: 'gelu',
    initializerRange: 0.02,
    classifierDropout: null,
    padTokenId: 1,
    bosTokenId: 0,
    eosTokenId: 2,
    labels: labelsFor(numLabels),
  });
}
