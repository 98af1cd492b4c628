import { UserError } from '../../errors.js';
import { requirePositiveInts, requireProbabilities } from '../common/config-fields.js';
import { labelMapsJSON, validateLabels } from '../common/labels.js';
import type { ClassifierConfig } from '../family.js';
import { SINGLE_LABEL, type ProblemType } from '../common/problem-type.js';

/** A layer's attention, transformers 5's `layer_types` values. */
export type LayerType = 'full_attention' | 'sliding_attention';
export const LAYER_TYPES: readonly LayerType[] = ['full_attention', 'sliding_attention'];

/** How the sequence becomes one vector before the head: token 0, or the mean of the real tokens. */
export type ClassifierPooling = 'cls' | 'mean';

/**
 * The fields of a ModernBERT `config.json` this project uses, in camelCase. The attention layout is
 * held as transformers 5 holds it (one type per layer, one rotary θ per type); config-json.ts reads
 * transformers 4's spelling into the same fields.
 */
export interface ModernBertConfigFields {
  vocabSize: number;
  hiddenSize: number;
  intermediateSize: number;
  numHiddenLayers: number;
  numAttentionHeads: number;
  /** Only the exact (erf) GELU, transformers' "gelu". */
  hiddenActivation: 'gelu';
  maxPositionEmbeddings: number;
  initializerRange: number;
  /** Weights are drawn from a normal truncated at ± this many standard deviations. */
  initializerCutoffFactor: number;
  normEps: number;
  normBias: boolean;
  padTokenId: number | null;
  bosTokenId: number | null;
  eosTokenId: number | null;
  clsTokenId: number | null;
  sepTokenId: number | null;
  attentionBias: boolean;
  attentionDropout: number;
  layerTypes: LayerType[];
  /** transformers 4's spelling of the layout, kept so that the config it reads back is the same. */
  globalAttnEveryNLayers: number;
  /** Rotary θ of the full-attention layers (transformers 4: global_rope_theta). */
  fullRopeTheta: number;
  /** Rotary θ of the sliding-window layers (transformers 4: local_rope_theta). */
  slidingRopeTheta: number;
  /** The whole window of a sliding layer: a token sees keys within ⌊local_attention / 2⌋ either side. */
  localAttention: number;
  embeddingDropout: number;
  mlpBias: boolean;
  mlpDropout: number;
  /** The masked-LM decoder's bias; unused by the classifier, kept for the config written back. */
  decoderBias: boolean;
  classifierPooling: ClassifierPooling;
  classifierDropout: number;
  /** The head's dense layer's bias (the classifier itself always has one, as in transformers). */
  classifierBias: boolean;
  classifierActivation: 'gelu';
  tieWordEmbeddings: boolean;
  labels: string[];
  /** config.json's problem_type; single-label when left out. */
  problemType?: ProblemType;
}

export class ModernBertConfig implements ModernBertConfigFields, ClassifierConfig {
  readonly modelType = 'modernbert';
  readonly usesTokenTypes = false;
  readonly vocabSize: number;
  readonly hiddenSize: number;
  readonly intermediateSize: number;
  readonly numHiddenLayers: number;
  readonly numAttentionHeads: number;
  readonly hiddenActivation: 'gelu';
  readonly maxPositionEmbeddings: number;
  readonly initializerRange: number;
  readonly initializerCutoffFactor: number;
  readonly normEps: number;
  readonly normBias: boolean;
  readonly padTokenId: number | null;
  readonly bosTokenId: number | null;
  readonly eosTokenId: number | null;
  readonly clsTokenId: number | null;
  readonly sepTokenId: number | null;
  readonly attentionBias: boolean;
  readonly attentionDropout: number;
  readonly layerTypes: LayerType[];
  readonly globalAttnEveryNLayers: number;
  readonly fullRopeTheta: number;
  readonly slidingRopeTheta: number;
  readonly localAttention: number;
  readonly embeddingDropout: number;
  readonly mlpBias: boolean;
  readonly mlpDropout: number;
  readonly decoderBias: boolean;
  readonly classifierPooling: ClassifierPooling;
  readonly classifierDropout: number;
  readonly classifierBias: boolean;
  readonly classifierActivation: 'gelu';
  readonly tieWordEmbeddings: boolean;
  readonly labels: string[];
  readonly problemType: ProblemType;

  /** Validates every field; `source` names the file in error messages. */
  constructor(fields: ModernBertConfigFields, source = 'ModernBERT config') {
    this.vocabSize = fields.vocabSize;
    this.hiddenSize = fields.hiddenSize;
    this.intermediateSize = fields.intermediateSize;
    this.numHiddenLayers = fields.numHiddenLayers;
    this.numAttentionHeads = fields.numAttentionHeads;
    this.hiddenActivation = fields.hiddenActivation;
    this.maxPositionEmbeddings = fields.maxPositionEmbeddings;
    this.initializerRange = fields.initializerRange;
    this.initializerCutoffFactor = fields.initializerCutoffFactor;
    this.normEps = fields.normEps;
    this.normBias = fields.normBias;
    this.padTokenId = fields.padTokenId;
    this.bosTokenId = fields.bosTokenId;
    this.eosTokenId = fields.eosTokenId;
    this.clsTokenId = fields.clsTokenId;
    this.sepTokenId = fields.sepTokenId;
    this.attentionBias = fields.attentionBias;
    this.attentionDropout = fields.attentionDropout;
    this.layerTypes = [...fields.layerTypes];
    this.globalAttnEveryNLayers = fields.globalAttnEveryNLayers;
    this.fullRopeTheta = fields.fullRopeTheta;
    this.slidingRopeTheta = fields.slidingRopeTheta;
    this.localAttention = fields.localAttention;
    this.embeddingDropout = fields.embeddingDropout;
    this.mlpBias = fields.mlpBias;
    this.mlpDropout = fields.mlpDropout;
    this.decoderBias = fields.decoderBias;
    this.classifierPooling = fields.classifierPooling;
    this.classifierDropout = fields.classifierDropout;
    this.classifierBias = fields.classifierBias;
    this.classifierActivation = fields.classifierActivation;
    this.tieWordEmbeddings = fields.tieWordEmbeddings;
    this.labels = [...fields.labels];
    this.problemType = fields.problemType ?? SINGLE_LABEL;
    validate(this, source);
  }

  get numLabels(): number {
    return this.labels.length;
  }

  /** Rotary positions reach max_position_embeddings; no token count is added or subtracted. */
  get maxLength(): number {
    return this.maxPositionEmbeddings;
  }

  get headDim(): number {
    return this.hiddenSize / this.numAttentionHeads;
  }

  /** How far a sliding layer's query sees either side: transformers' `sliding_window`, ⌊local_attention / 2⌋. */
  get halfWindow(): number {
    return Math.floor(this.localAttention / 2);
  }

  ropeTheta(type: LayerType): number {
    return type === 'full_attention' ? this.fullRopeTheta : this.slidingRopeTheta;
  }

  withLabels(labels: readonly string[], problemType = this.problemType): ModernBertConfig {
    return new ModernBertConfig({ ...this.fields(), labels: [...labels], problemType });
  }

  fields(): ModernBertConfigFields {
    return {
      vocabSize: this.vocabSize,
      hiddenSize: this.hiddenSize,
      intermediateSize: this.intermediateSize,
      numHiddenLayers: this.numHiddenLayers,
      numAttentionHeads: this.numAttentionHeads,
      hiddenActivation: this.hiddenActivation,
      maxPositionEmbeddings: this.maxPositionEmbeddings,
      initializerRange: this.initializerRange,
      initializerCutoffFactor: this.initializerCutoffFactor,
      normEps: this.normEps,
      normBias: this.normBias,
      padTokenId: this.padTokenId,
      bosTokenId: this.bosTokenId,
      eosTokenId: this.eosTokenId,
      clsTokenId: this.clsTokenId,
      sepTokenId: this.sepTokenId,
      attentionBias: this.attentionBias,
      attentionDropout: this.attentionDropout,
      layerTypes: [...this.layerTypes],
      globalAttnEveryNLayers: this.globalAttnEveryNLayers,
      fullRopeTheta: this.fullRopeTheta,
      slidingRopeTheta: this.slidingRopeTheta,
      localAttention: this.localAttention,
      embeddingDropout: this.embeddingDropout,
      mlpBias: this.mlpBias,
      mlpDropout: this.mlpDropout,
      decoderBias: this.decoderBias,
      classifierPooling: this.classifierPooling,
      classifierDropout: this.classifierDropout,
      classifierBias: this.classifierBias,
      classifierActivation: this.classifierActivation,
      tieWordEmbeddings: this.tieWordEmbeddings,
      labels: [...this.labels],
      problemType: this.problemType,
    };
  }

  /**
   * config.json for ModernBertForSequenceClassification in transformers 5's spelling (layer_types,
   * rope_parameters), plus the fields transformers 4 reads instead (global_attn_every_n_layers,
   * global_rope_theta, local_rope_theta), so that either version builds the same model from it.
   */
  toJSON(): Record<string, unknown> {
    const { id2label, label2id } = labelMapsJSON(this.labels);
    return {
      architectures: ['ModernBertForSequenceClassification'],
      attention_bias: this.attentionBias,
      attention_dropout: this.attentionDropout,
      bos_token_id: this.bosTokenId,
      classifier_activation: this.classifierActivation,
      classifier_bias: this.classifierBias,
      classifier_dropout: this.classifierDropout,
      classifier_pooling: this.classifierPooling,
      cls_token_id: this.clsTokenId,
      decoder_bias: this.decoderBias,
      dtype: 'float32',
      embedding_dropout: this.embeddingDropout,
      eos_token_id: this.eosTokenId,
      global_attn_every_n_layers: this.globalAttnEveryNLayers,
      global_rope_theta: this.fullRopeTheta,
      hidden_activation: this.hiddenActivation,
      hidden_size: this.hiddenSize,
      id2label,
      initializer_cutoff_factor: this.initializerCutoffFactor,
      initializer_range: this.initializerRange,
      intermediate_size: this.intermediateSize,
      label2id,
      layer_types: [...this.layerTypes],
      local_attention: this.localAttention,
      local_rope_theta: this.slidingRopeTheta,
      max_position_embeddings: this.maxPositionEmbeddings,
      mlp_bias: this.mlpBias,
      mlp_dropout: this.mlpDropout,
      model_type: 'modernbert',
      norm_bias: this.normBias,
      norm_eps: this.normEps,
      num_attention_heads: this.numAttentionHeads,
      num_hidden_layers: this.numHiddenLayers,
      pad_token_id: this.padTokenId,
      problem_type: this.problemType,
      rope_parameters: {
        full_attention: { rope_theta: this.fullRopeTheta, rope_type: 'default' },
        sliding_attention: { rope_theta: this.slidingRopeTheta, rope_type: 'default' },
      },
      sep_token_id: this.sepTokenId,
      tie_word_embeddings: this.tieWordEmbeddings,
      vocab_size: this.vocabSize,
    };
  }
}

/** transformers 4's layout: full attention on every n-th layer from layer 0, sliding windows between. */
export function layerTypesEvery(n: number, numLayers: number): LayerType[] {
  return Array.from({ length: numLayers }, (_, i) => (i % n === 0 ? 'full_attention' : 'sliding_attention'));
}

function validate(c: ModernBertConfig, source: string): void {
  requirePositiveInts(
    [
      ['vocab_size', c.vocabSize],
      ['hidden_size', c.hiddenSize],
      ['intermediate_size', c.intermediateSize],
      ['num_hidden_layers', c.numHiddenLayers],
      ['num_attention_heads', c.numAttentionHeads],
      ['max_position_embeddings', c.maxPositionEmbeddings],
      ['global_attn_every_n_layers', c.globalAttnEveryNLayers],
      ['local_attention', c.localAttention],
    ],
    source,
  );
  if (c.hiddenSize % c.numAttentionHeads !== 0) {
    throw new UserError(
      `${source}: hidden_size ${c.hiddenSize} is not divisible by num_attention_heads ${c.numAttentionHeads}.`,
    );
  }
  if (c.headDim % 2 !== 0) {
    throw new UserError(
      `${source}: the head size ${c.headDim} (hidden_size / num_attention_heads) must be even for rotary position embeddings.`,
    );
  }
  const positive: [string, number][] = [
    ['norm_eps', c.normEps],
    ['initializer_range', c.initializerRange],
    ['initializer_cutoff_factor', c.initializerCutoffFactor],
    ['the rotary θ of full_attention layers', c.fullRopeTheta],
    ['the rotary θ of sliding_attention layers', c.slidingRopeTheta],
  ];
  for (const [what, v] of positive) {
    if (!(v > 0)) throw new UserError(`${source}: ${what} must be positive, got ${v}.`);
  }
  requireProbabilities(
    [
      ['attention_dropout', c.attentionDropout],
      ['embedding_dropout', c.embeddingDropout],
      ['mlp_dropout', c.mlpDropout],
      ['classifier_dropout', c.classifierDropout],
    ],
    source,
  );
  if (c.layerTypes.length !== c.numHiddenLayers || c.layerTypes.some((t) => !LAYER_TYPES.includes(t))) {
    throw new UserError(
      `${source}: layer_types must give "full_attention" or "sliding_attention" for each of the ${c.numHiddenLayers} layers.`,
    );
  }
  if (c.hiddenActivation !== 'gelu' || c.classifierActivation !== 'gelu') {
    throw new UserError(`${source}: only the "gelu" activation (the exact erf form) is supported.`);
  }
  if (c.classifierPooling !== 'cls' && c.classifierPooling !== 'mean') {
    throw new UserError(
      `${source}: classifier_pooling "${String(c.classifierPooling)}" is not supported; LoRA Lab reads "cls" and "mean".`,
    );
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
