import type { ClassifierConfig, SequenceClassifier } from '../src/models/family.js';
import { readModelConfig } from '../src/models/registry.js';

// The benchmark's named model shapes and its flop count, apart from model-spec.ts (which also reads
// model directories from disk) so that the browser benchmark (bench/browser/) can use them.

const NUM_LABELS = 9;
export const BENCH_LABELS = Object.fromEntries(
  Array.from({ length: NUM_LABELS }, (_, i) => [String(i), `LABEL_${i}`]),
);

/**
 * The shapes `bench --model` knows by name, as config.json objects of their families (published
 * checkpoints' sizes; weights are random, as throughput does not depend on them).
 */
export const NAMED_SHAPES: Record<string, Record<string, unknown>> = {
  tiny: {
    model_type: 'bert',
    hidden_size: 128,
    num_hidden_layers: 2,
    num_attention_heads: 2,
    intermediate_size: 512,
  },
  small: {
    model_type: 'bert',
    hidden_size: 256,
    num_hidden_layers: 4,
    num_attention_heads: 4,
    intermediate_size: 512,
  },
  minilm: {
    model_type: 'bert',
    hidden_size: 384,
    num_hidden_layers: 6,
    num_attention_heads: 12,
    intermediate_size: 1536,
  },
  base: { model_type: 'bert' },
  distilbert: { model_type: 'distilbert' },
  'roberta-base': {
    model_type: 'roberta',
    vocab_size: 50265,
    max_position_embeddings: 514,
    type_vocab_size: 1,
    pad_token_id: 1,
    layer_norm_eps: 1e-5,
  },
  'electra-small': { model_type: 'electra' },
  'modernbert-base': { model_type: 'modernbert' },
};

/** The config of a named shape (random weights), or null when `spec` names none. */
export function namedShapeConfig(spec: string): ClassifierConfig | null {
  const named = NAMED_SHAPES[spec];
  return named ? readModelConfig({ ...named, id2label: BENCH_LABELS }, `the ${spec} shape`) : null;
}

/**
 * Forward multiply-adds ×2 of one batch: the encoder's 2-D weights (not the embeddings, which are
 * looked up) over every token, the head's (pooler, classifier) once per example, plus attention's two
 * T×T products per layer, whose width the query-side projections' inputs give (query, q_lin, or a
 * fused Wqkv). LoRA's own small products are left out.
 */
export function forwardFlops(model: SequenceClassifier, batch: number, seq: number): number {
  let perToken = 0;
  let perExample = 0;
  for (const [name, p] of model.namedParameters()) {
    if (p.shape.length !== 2 || /embeddings?\./.test(name) || /(^|\.)lora_[AB]\./.test(name)) continue;
    if (/(^|\.)(pooler|classifier|pre_classifier|head)\./.test(name)) perExample += p.size;
    else perToken += p.size;
  }
  let attentionWidth = 0;
  for (const [path, p] of model.namedParameters()) {
    if (/(\.query|\.q_lin|\.Wqkv)(\.base_layer)?\.weight$/.test(path)) attentionWidth += p.shape[1];
  }
  return 2 * batch * (seq * perToken + perExample) + 2 * 2 * batch * seq * seq * attentionWidth;
}
