import type { BertConfig } from '../../../models/bert/config.js';
import type { GraphBuilder, Value } from '../graph-builder.js';
import { gelu, multiHeadAttention } from '../ops.js';
import type { Weights } from '../weights.js';
import { dense, norm } from './dense.js';

/**
 * BERT's encoder (post-LayerNorm layers: attention, residual, LayerNorm; feed-forward with exact GELU,
 * residual, LayerNorm), which RoBERTa and ELECTRA use unchanged under their own prefix.
 */
export function bertEncoder(
  g: GraphBuilder,
  w: Weights,
  config: BertConfig,
  prefix: string,
  hidden: Value,
  bias: Value,
): Value {
  const eps = config.layerNormEps;
  let h = hidden;
  for (let i = 0; i < config.numHiddenLayers; i++) {
    const layer = `${prefix}.layer.${i}`;
    const self = `${layer}.attention.self`;
    const context = multiHeadAttention(
      g,
      {
        q: dense(g, w, h, `${self}.query`),
        k: dense(g, w, h, `${self}.key`),
        v: dense(g, w, h, `${self}.value`),
      },
      { numHeads: config.numAttentionHeads, hidden: config.hiddenSize, bias, name: self },
    );
    const out = `${layer}.attention.output`;
    const attended = norm(
      g,
      w,
      g.node('Add', [dense(g, w, context, `${out}.dense`), h]),
      `${out}.LayerNorm`,
      eps,
    );
    const expanded = gelu(
      g,
      dense(g, w, attended, `${layer}.intermediate.dense`),
      `${layer}.intermediate.gelu`,
    );
    const contracted = g.node('Add', [dense(g, w, expanded, `${layer}.output.dense`), attended]);
    h = norm(g, w, contracted, `${layer}.output.LayerNorm`, eps);
  }
  return h;
}
