import { UserError } from '../../errors.js';
import { readBoolean, readChoice, readInt, readNumber } from '../common/config-fields.js';
import { readLabels } from '../common/labels.js';
import { readProblemType } from '../common/problem-type.js';
import { LAYER_TYPES, ModernBertConfig, layerTypesEvery, type LayerType } from './config.js';

/** ModernBertConfig's defaults in transformers (those of ModernBERT-base) for a field config.json leaves out. */
export const MODERNBERT_DEFAULTS = {
  vocab_size: 50368,
  hidden_size: 768,
  intermediate_size: 1152,
  num_hidden_layers: 22,
  num_attention_heads: 12,
  max_position_embeddings: 8192,
  initializer_range: 0.02,
  initializer_cutoff_factor: 2.0,
  norm_eps: 1e-5,
  pad_token_id: 50283,
  eos_token_id: 50282,
  bos_token_id: 50281,
  cls_token_id: 50281,
  sep_token_id: 50282,
  attention_dropout: 0,
  global_attn_every_n_layers: 3,
  global_rope_theta: 160000,
  local_rope_theta: 10000,
  local_attention: 128,
  embedding_dropout: 0,
  mlp_dropout: 0,
  classifier_dropout: 0,
} as const;

/**
 * Parses the object of a ModernBERT config.json as transformers 5 or transformers 4 wrote it:
 * `layer_types` or else `global_attn_every_n_layers` for the attention layout, `rope_parameters`
 * (per layer type) or else `global_rope_theta`/`local_rope_theta` for the rotary θ. Missing fields
 * take transformers' defaults.
 */
export function modernBertConfigFromJSON(json: unknown, source = 'config.json'): ModernBertConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new UserError(`${source}: expected a JSON object.`);
  }
  const o = json as Record<string, unknown>;
  if (o.model_type !== undefined && o.model_type !== 'modernbert') {
    throw new UserError(
      `${source}: model_type is "${String(o.model_type)}", but a ModernBERT config was expected.`,
    );
  }
  const int = (key: keyof typeof MODERNBERT_DEFAULTS): number =>
    readInt(o, key, MODERNBERT_DEFAULTS[key], source);
  const num = (key: keyof typeof MODERNBERT_DEFAULTS): number =>
    readNumber(o, key, MODERNBERT_DEFAULTS[key], source);
  const tokenId = (key: keyof typeof MODERNBERT_DEFAULTS): number | null =>
    o[key] === null ? null : int(key);
  const flag = (key: string, fallback: boolean): boolean => readBoolean(o, key, fallback, source);
  const gelu = (key: string): 'gelu' => readChoice(o, key, ['gelu'] as const, 'gelu', source);

  const numHiddenLayers = int('num_hidden_layers');
  const globalAttnEveryNLayers = int('global_attn_every_n_layers');
  if (globalAttnEveryNLayers < 1) {
    throw new UserError(
      `${source}: global_attn_every_n_layers must be a positive whole number, got ${globalAttnEveryNLayers}.`,
    );
  }
  const thetas = readRopeThetas(o, num('global_rope_theta'), num('local_rope_theta'), source);
  return new ModernBertConfig(
    {
      vocabSize: int('vocab_size'),
      hiddenSize: int('hidden_size'),
      intermediateSize: int('intermediate_size'),
      numHiddenLayers,
      numAttentionHeads: int('num_attention_heads'),
      hiddenActivation: gelu('hidden_activation'),
      maxPositionEmbeddings: int('max_position_embeddings'),
      initializerRange: num('initializer_range'),
      // transformers falls back to a cutoff of 3 when the field is null.
      initializerCutoffFactor: o.initializer_cutoff_factor === null ? 3 : num('initializer_cutoff_factor'),
      normEps: num('norm_eps'),
      normBias: flag('norm_bias', false),
      padTokenId: tokenId('pad_token_id'),
      bosTokenId: tokenId('bos_token_id'),
      eosTokenId: tokenId('eos_token_id'),
      clsTokenId: tokenId('cls_token_id'),
      sepTokenId: tokenId('sep_token_id'),
      attentionBias: flag('attention_bias', false),
      attentionDropout: num('attention_dropout'),
      layerTypes: readLayerTypes(o, numHiddenLayers, globalAttnEveryNLayers, source),
      globalAttnEveryNLayers,
      fullRopeTheta: thetas.full,
      slidingRopeTheta: thetas.sliding,
      localAttention: int('local_attention'),
      embeddingDropout: num('embedding_dropout'),
      mlpBias: flag('mlp_bias', false),
      mlpDropout: num('mlp_dropout'),
      decoderBias: flag('decoder_bias', true),
      classifierPooling: readChoice(o, 'classifier_pooling', ['cls', 'mean'] as const, 'cls', source),
      classifierDropout: num('classifier_dropout'),
      classifierBias: flag('classifier_bias', false),
      classifierActivation: gelu('classifier_activation'),
      tieWordEmbeddings: flag('tie_word_embeddings', true),
      labels: readLabels(o, source),
      problemType: readProblemType(o, source),
    },
    source,
  );
}

/** transformers 5's `layer_types`, else transformers 4's pattern of a full-attention layer every n. */
function readLayerTypes(
  o: Record<string, unknown>,
  numLayers: number,
  everyN: number,
  source: string,
): LayerType[] {
  const v = o.layer_types;
  if (v === undefined || v === null) return layerTypesEvery(everyN, numLayers);
  if (!Array.isArray(v) || v.length !== numLayers) {
    throw new UserError(
      `${source}: layer_types must list the attention of each of the ${numLayers} layers (num_hidden_layers).`,
    );
  }
  for (const t of v) {
    if (!LAYER_TYPES.includes(t as LayerType)) {
      throw new UserError(
        `${source}: layer type ${JSON.stringify(t)} is not supported; LoRA Lab reads "full_attention" and "sliding_attention".`,
      );
    }
  }
  return v as LayerType[];
}

/**
 * The rotary θ per layer type: transformers 5's `rope_parameters` entry where there is one, else
 * transformers 4's global_rope_theta (full attention) and local_rope_theta (sliding), as transformers 5
 * fills them in. Only the default (unscaled) rotary embedding is supported.
 */
function readRopeThetas(
  o: Record<string, unknown>,
  globalTheta: number,
  localTheta: number,
  source: string,
): { full: number; sliding: number } {
  if (o.rope_scaling !== undefined && o.rope_scaling !== null) {
    throw new UserError(
      `${source}: rope_scaling is not supported; LoRA Lab applies only the default rotary embedding.`,
    );
  }
  const params = o.rope_parameters;
  if (params === undefined || params === null) return { full: globalTheta, sliding: localTheta };
  if (typeof params !== 'object' || Array.isArray(params)) {
    throw new UserError(
      `${source}: rope_parameters must be an object with full_attention and sliding_attention entries.`,
    );
  }
  const byType = params as Record<string, unknown>;
  for (const key of Object.keys(byType)) {
    if (!LAYER_TYPES.includes(key as LayerType)) {
      throw new UserError(
        `${source}: rope_parameters has an entry "${key}", but LoRA Lab reads one per layer type (full_attention, sliding_attention).`,
      );
    }
  }
  return {
    full: ropeTheta(byType.full_attention, 'full_attention', globalTheta, source),
    sliding: ropeTheta(byType.sliding_attention, 'sliding_attention', localTheta, source),
  };
}

function ropeTheta(entry: unknown, type: LayerType, fallback: number, source: string): number {
  if (entry === undefined || entry === null) return fallback;
  if (typeof entry !== 'object' || Array.isArray(entry)) {
    throw new UserError(`${source}: rope_parameters.${type} must be an object.`);
  }
  const e = entry as Record<string, unknown>;
  const ropeType = e.rope_type ?? 'default';
  if (ropeType !== 'default') {
    throw new UserError(
      `${source}: rope_type ${JSON.stringify(ropeType)} of the ${type} layers is not supported; LoRA Lab applies only "default".`,
    );
  }
  return readNumber(e, 'rope_theta', fallback, `${source} rope_parameters.${type}`);
}
