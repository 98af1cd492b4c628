import { ModernBertConfig, type LayerType } from '../../../models/modernbert/config.js';
import { rotaryTables } from '../../../models/modernbert/rotary.js';
import type { GraphBuilder, Value } from '../graph-builder.js';
import {
  additiveBias,
  embed,
  firstRows,
  firstToken,
  gelu,
  keyMask,
  maskedMean,
  multiHeadAttention,
  sequenceLength,
  slidingWindowAllowed,
  type RotaryValues,
} from '../ops.js';
import { dense, norm } from './dense.js';
import type { FamilyGraph } from './family-graph.js';

/** The last axis of x from `start`, `width` wide (the fused projections' parts). */
function part(g: GraphBuilder, x: Value, start: number, width: number, name: string): Value {
  return g.node('Slice', [x, g.int64s([start]), g.int64s([start + width]), g.int64s([-1])], {}, name);
}

/**
 * ModernBertForSequenceClassification: token embeddings and norm; pre-norm layers (layer 0 without
 * attn_norm) whose attention is one fused Wqkv with rotary positions (each layer type its own θ) and,
 * on sliding layers, a window of ±⌊local_attention / 2⌋ combined with the padding; a GeGLU feed-forward
 * (Wi's halves: GELU(input) ⊙ gate, then Wo); the final norm; pooling on the first token or the mean of
 * the real tokens; the head (dense, GELU, norm) and the classifier.
 */
export const modernBertGraph: FamilyGraph = {
  build(g, model, w, { ids, mask }) {
    const config = model.config;
    if (!(config instanceof ModernBertConfig))
      throw new Error(`modernBertGraph got a ${config.modelType} model.`);
    const { hiddenSize: hidden, intermediateSize: inner, normEps: eps, headDim } = config;
    const length = sequenceLength(g, ids);
    const keys = keyMask(g, mask);
    const biases = new Map<LayerType, Value>();
    const rotary = new Map<LayerType, RotaryValues>();
    for (const type of new Set(config.layerTypes)) {
      biases.set(
        type,
        additiveBias(
          g,
          type === 'full_attention' ? keys : slidingWindowAllowed(g, ids, keys, config.halfWindow),
          `${type}.bias`,
        ),
      );
      const tables = rotaryTables(config.ropeTheta(type), headDim, config.maxPositionEmbeddings);
      rotary.set(type, {
        cos: firstRows(
          g,
          g.floats(`${type}.rotary_cos`, tables.cos.data, [...tables.cos.shape]),
          length,
          `${type}.cos`,
        ),
        sin: firstRows(
          g,
          g.floats(`${type}.rotary_sin`, tables.sin.data, [...tables.sin.shape]),
          length,
          `${type}.sin`,
        ),
      });
    }
    const tokens = embed(
      g,
      w.get('model.embeddings.tok_embeddings.weight'),
      ids,
      'model.embeddings.tok_embeddings',
    );
    let h = norm(g, w, tokens, 'model.embeddings.norm', eps);
    config.layerTypes.forEach((type, i) => {
      const layer = `model.layers.${i}`;
      const normed = w.has(`${layer}.attn_norm.weight`) ? norm(g, w, h, `${layer}.attn_norm`, eps) : h;
      const qkv = dense(g, w, normed, `${layer}.attn.Wqkv`);
      const context = multiHeadAttention(
        g,
        {
          q: part(g, qkv, 0, hidden, `${layer}.attn.q`),
          k: part(g, qkv, hidden, hidden, `${layer}.attn.k`),
          v: part(g, qkv, 2 * hidden, hidden, `${layer}.attn.v`),
        },
        {
          numHeads: config.numAttentionHeads,
          hidden,
          bias: biases.get(type)!,
          rotary: rotary.get(type)!,
          name: `${layer}.attn`,
        },
      );
      h = g.node('Add', [h, dense(g, w, context, `${layer}.attn.Wo`)], {}, `${layer}.attended`);
      const up = dense(g, w, norm(g, w, h, `${layer}.mlp_norm`, eps), `${layer}.mlp.Wi`);
      const gated = g.node(
        'Mul',
        [
          gelu(g, part(g, up, 0, inner, `${layer}.mlp.input`), `${layer}.mlp.gelu`),
          part(g, up, inner, inner, `${layer}.mlp.gate`),
        ],
        {},
        `${layer}.mlp.geglu`,
      );
      h = g.node('Add', [h, dense(g, w, gated, `${layer}.mlp.Wo`)], {}, `${layer}.output`);
    });
    const last = norm(g, w, h, 'model.final_norm', eps);
    const pooled =
      config.classifierPooling === 'cls'
        ? firstToken(g, last, 'pooled')
        : maskedMean(g, last, mask, 'pooled');
    const features = norm(g, w, gelu(g, dense(g, w, pooled, 'head.dense'), 'head.gelu'), 'head.norm', eps);
    return dense(g, w, features, 'classifier');
  },
};
