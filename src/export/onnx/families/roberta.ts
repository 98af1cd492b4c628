import { RobertaConfig } from '../../../models/roberta/config.js';
import type { GraphBuilder, Value } from '../graph-builder.js';
import { additiveBias, constant, embed, firstToken, keyMask } from '../ops.js';
import { DataType } from '../schema.js';
import { bertEncoder } from './bert-encoder.js';
import { dense, norm } from './dense.js';
import type { FamilyGraph } from './family-graph.js';

/**
 * RoBERTa's (and XLM-RoBERTa's) positions, as transformers makes them from the ids: the n-th token that
 * is not padding gets pad + n, padding gets pad: cumsum(ids ≠ pad) · (ids ≠ pad) + pad.
 */
function robertaPositionIds(g: GraphBuilder, ids: Value, pad: number): Value {
  const padId = g.int64s([pad], []);
  const real = g.node(
    'Cast',
    [g.node('Not', [g.node('Equal', [ids, padId])])],
    { to: DataType.INT64 },
    'not_padding',
  );
  const counted = g.node('CumSum', [real, g.int64s([1], [])], {}, 'real_tokens_so_far');
  return g.node('Add', [g.node('Mul', [counted, real]), padId], {}, 'position_ids');
}

/**
 * RobertaForSequenceClassification: RoBERTa's embeddings (positions counted from the padding id; the
 * inputs have no token types, so every token reads type row 0, as transformers does when none are
 * given), BERT's encoder, and the head on <s> (dense, tanh, out_proj).
 */
export const robertaGraph: FamilyGraph = {
  build(g, model, w, { ids, mask }) {
    const config = model.config;
    if (!(config instanceof RobertaConfig)) throw new Error(`robertaGraph got a ${config.modelType} model.`);
    const e = 'roberta.embeddings';
    const words = embed(g, w.get(`${e}.word_embeddings.weight`), ids, `${e}.word_embeddings`);
    const types = w.get(`${e}.token_type_embeddings.weight`);
    const hidden = types.shape[1];
    const typeZero = constant(
      g,
      { data: types.data.subarray(0, hidden), shape: [hidden] },
      `${e}.token_type_embeddings.row0`,
    );
    const positionIds = robertaPositionIds(g, ids, config.padTokenId);
    const positions = embed(
      g,
      w.get(`${e}.position_embeddings.weight`),
      positionIds,
      `${e}.position_embeddings`,
    );
    const summed = g.node('Add', [g.node('Add', [words, typeZero]), positions]);
    const embedded = norm(g, w, summed, `${e}.LayerNorm`, config.bert.layerNormEps);
    const bias = additiveBias(g, keyMask(g, mask), 'attention_bias');
    const encoded = bertEncoder(g, w, config.bert, 'roberta.encoder', embedded, bias);
    const first = firstToken(g, encoded, 'roberta.first_token');
    const features = g.node('Tanh', [dense(g, w, first, 'classifier.dense')], {}, 'classifier.tanh');
    return dense(g, w, features, 'classifier.out_proj');
  },
};
