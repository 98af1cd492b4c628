import { BertConfig } from '../../../models/bert/config.js';
import { absolutePositions, additiveBias, embed, firstToken, keyMask } from '../ops.js';
import { bertEncoder } from './bert-encoder.js';
import { dense, norm } from './dense.js';
import type { FamilyGraph } from './family-graph.js';

/** BertForSequenceClassification: embeddings, the encoder, the pooler (dense + tanh on [CLS]), the classifier. */
export const bertGraph: FamilyGraph = {
  build(g, model, w, { ids, mask, types }) {
    const config = model.config;
    if (!(config instanceof BertConfig)) throw new Error(`bertGraph got a ${config.modelType} model.`);
    const e = 'bert.embeddings';
    const words = embed(g, w.get(`${e}.word_embeddings.weight`), ids, `${e}.word_embeddings`);
    const typeRows = embed(
      g,
      w.get(`${e}.token_type_embeddings.weight`),
      types!,
      `${e}.token_type_embeddings`,
    );
    const positions = absolutePositions(
      g,
      w.get(`${e}.position_embeddings.weight`),
      ids,
      `${e}.position_embeddings`,
    );
    // transformers' order of summation: (words + token types) + positions.
    const summed = g.node('Add', [g.node('Add', [words, typeRows]), positions]);
    const embedded = norm(g, w, summed, `${e}.LayerNorm`, config.layerNormEps);
    const bias = additiveBias(g, keyMask(g, mask), 'attention_bias');
    const hidden = bertEncoder(g, w, config, 'bert.encoder', embedded, bias);
    const cls = firstToken(g, hidden, 'bert.first_token');
    const pooled = g.node('Tanh', [dense(g, w, cls, 'bert.pooler.dense')], {}, 'bert.pooler');
    return dense(g, w, pooled, 'classifier');
  },
};
