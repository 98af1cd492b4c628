import { BertConfig } from '../../../models/bert/config.js';
import type { GraphBuilder, Value } from '../graph-builder.js';
import { absolutePositions, additiveBias, embed, firstToken, keyMask } from '../ops.js';
import type { Weights } from '../weights.js';
import { bertEncoder } from './bert-encoder.js';
import { dense, norm } from './dense.js';
import type { FamilyGraph, GraphInputs } from './family-graph.js';

/** Where a BERT-shaped body reads its weights and what it adds between the embeddings and the encoder. */
export interface BertBodyOptions {
  /** The model's prefix: `bert`, or `electra` (its embeddings and encoder have BERT's names under it). */
  prefix: string;
  /** The encoder's config; its layer-norm epsilon is the embeddings' too. */
  encoder: BertConfig;
  /** A dense layer from the embedding width to the hidden size (ELECTRA's `embeddings_project`), when there is one. */
  projection?: string;
}

/**
 * BERT's embeddings (words + token types, then absolute positions, LayerNorm), the optional projection,
 * and the encoder: the hidden states [B, S, H] that a family's head reads.
 */
export function bertBody(
  g: GraphBuilder,
  w: Weights,
  { ids, mask, types }: GraphInputs,
  { prefix, encoder, projection }: BertBodyOptions,
): Value {
  const e = `${prefix}.embeddings`;
  const words = embed(g, w.get(`${e}.word_embeddings.weight`), ids, `${e}.word_embeddings`);
  const typeRows = embed(g, w.get(`${e}.token_type_embeddings.weight`), types!, `${e}.token_type_embeddings`);
  const positions = absolutePositions(
    g,
    w.get(`${e}.position_embeddings.weight`),
    ids,
    `${e}.position_embeddings`,
  );
  // transformers' order of summation: (words + token types) + positions.
  const summed = g.node('Add', [g.node('Add', [words, typeRows]), positions]);
  let embedded = norm(g, w, summed, `${e}.LayerNorm`, encoder.layerNormEps);
  if (projection !== undefined) embedded = dense(g, w, embedded, projection);
  const bias = additiveBias(g, keyMask(g, mask), 'attention_bias');
  return bertEncoder(g, w, encoder, `${prefix}.encoder`, embedded, bias);
}

/** BertForSequenceClassification: embeddings, the encoder, the pooler (dense + tanh on [CLS]), the classifier. */
export const bertGraph: FamilyGraph = {
  build(g, model, w, inputs) {
    const config = model.config;
    if (!(config instanceof BertConfig)) throw new Error(`bertGraph got a ${config.modelType} model.`);
    const hidden = bertBody(g, w, inputs, { prefix: 'bert', encoder: config });
    const cls = firstToken(g, hidden, 'bert.first_token');
    const pooled = g.node('Tanh', [dense(g, w, cls, 'bert.pooler.dense')], {}, 'bert.pooler');
    return dense(g, w, pooled, 'classifier');
  },
};
