import { ElectraConfig } from '../../../models/electra/config.js';
import { absolutePositions, additiveBias, embed, firstToken, gelu, keyMask } from '../ops.js';
import { bertEncoder } from './bert-encoder.js';
import { dense, norm } from './dense.js';
import type { FamilyGraph } from './family-graph.js';

/**
 * ElectraForSequenceClassification: BERT's embeddings at embedding_size, `embeddings_project` up to the
 * hidden size when the two differ, BERT's encoder, and the head on the first token (dense, exact GELU,
 * out_proj).
 */
export const electraGraph: FamilyGraph = {
  build(g, model, w, { ids, mask, types }) {
    const config = model.config;
    if (!(config instanceof ElectraConfig)) throw new Error(`electraGraph got a ${config.modelType} model.`);
    const e = 'electra.embeddings';
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
    const summed = g.node('Add', [g.node('Add', [words, typeRows]), positions]);
    let hidden = norm(g, w, summed, `${e}.LayerNorm`, config.encoder.layerNormEps);
    if (config.projectsEmbeddings) hidden = dense(g, w, hidden, 'electra.embeddings_project');
    const bias = additiveBias(g, keyMask(g, mask), 'attention_bias');
    const encoded = bertEncoder(g, w, config.encoder, 'electra.encoder', hidden, bias);
    const first = firstToken(g, encoded, 'electra.first_token');
    const features = gelu(g, dense(g, w, first, 'classifier.dense'), 'classifier.gelu');
    return dense(g, w, features, 'classifier.out_proj');
  },
};
