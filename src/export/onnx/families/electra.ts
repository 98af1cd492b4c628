import { ElectraConfig } from '../../../models/electra/config.js';
import { firstToken, gelu } from '../ops.js';
import { bertBody } from './bert.js';
import { dense } from './dense.js';
import type { FamilyGraph } from './family-graph.js';

/**
 * ElectraForSequenceClassification: BERT's body under `electra`, with `embeddings_project` from the
 * embedding size up to the hidden size when the two differ, and the head on the first token (dense,
 * exact GELU, out_proj).
 */
export const electraGraph: FamilyGraph = {
  build(g, model, w, inputs) {
    const config = model.config;
    if (!(config instanceof ElectraConfig)) throw new Error(`electraGraph got a ${config.modelType} model.`);
    const encoded = bertBody(g, w, inputs, {
      prefix: 'electra',
      encoder: config.encoder,
      ...(config.projectsEmbeddings ? { projection: 'electra.embeddings_project' } : {}),
    });
    const first = firstToken(g, encoded, 'electra.first_token');
    const features = gelu(g, dense(g, w, first, 'classifier.dense'), 'classifier.gelu');
    return dense(g, w, features, 'classifier.out_proj');
  },
};
