import { DISTILBERT_LAYER_NORM_EPS, DistilBertConfig } from '../../../models/distilbert/config.js';
import {
  absolutePositions,
  additiveBias,
  embed,
  firstToken,
  gelu,
  keyMask,
  multiHeadAttention,
} from '../ops.js';
import { dense, norm } from './dense.js';
import type { FamilyGraph } from './family-graph.js';

/**
 * DistilBertForSequenceClassification: word + position embeddings (no token types), post-LayerNorm
 * blocks (attention with out_lin, sa_layer_norm; lin1, GELU, lin2, output_layer_norm), then on the
 * first token pre_classifier, ReLU and the classifier.
 */
export const distilBertGraph: FamilyGraph = {
  build(g, model, w, { ids, mask }) {
    const config = model.config;
    if (!(config instanceof DistilBertConfig))
      throw new Error(`distilBertGraph got a ${config.modelType} model.`);
    const eps = DISTILBERT_LAYER_NORM_EPS;
    const e = 'distilbert.embeddings';
    const words = embed(g, w.get(`${e}.word_embeddings.weight`), ids, `${e}.word_embeddings`);
    const positions = absolutePositions(
      g,
      w.get(`${e}.position_embeddings.weight`),
      ids,
      `${e}.position_embeddings`,
    );
    let h = norm(g, w, g.node('Add', [words, positions]), `${e}.LayerNorm`, eps);
    const bias = additiveBias(g, keyMask(g, mask), 'attention_bias');
    for (let i = 0; i < config.nLayers; i++) {
      const block = `distilbert.transformer.layer.${i}`;
      const a = `${block}.attention`;
      const context = multiHeadAttention(
        g,
        { q: dense(g, w, h, `${a}.q_lin`), k: dense(g, w, h, `${a}.k_lin`), v: dense(g, w, h, `${a}.v_lin`) },
        { numHeads: config.nHeads, hidden: config.dim, bias, name: a },
      );
      const attended = norm(
        g,
        w,
        g.node('Add', [dense(g, w, context, `${a}.out_lin`), h]),
        `${block}.sa_layer_norm`,
        eps,
      );
      const expanded = gelu(g, dense(g, w, attended, `${block}.ffn.lin1`), `${block}.ffn.gelu`);
      h = norm(
        g,
        w,
        g.node('Add', [dense(g, w, expanded, `${block}.ffn.lin2`), attended]),
        `${block}.output_layer_norm`,
        eps,
      );
    }
    const first = firstToken(g, h, 'distilbert.first_token');
    const pooled = g.node('Relu', [dense(g, w, first, 'pre_classifier')], {}, 'pre_classifier.relu');
    return dense(g, w, pooled, 'classifier');
  },
};
