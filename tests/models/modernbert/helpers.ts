import { readFileSync } from 'node:fs';
import { familyFixtureDir } from '../../parity/families/family-golden.js';

/** config.json of the golden fixture, as transformers 5.17 saved it. */
export function fixtureJson(folder = 'modernbert'): Record<string, unknown> {
  return JSON.parse(readFileSync(`${familyFixtureDir(folder)}config.json`, 'utf8')) as Record<
    string,
    unknown
  >;
}

/**
 * The same model as transformers 4 spelled it, written by hand from the fixture's values: the layout
 * as global_attn_every_n_layers, the rotary θ as global_rope_theta / local_rope_theta, no layer_types
 * and no rope_parameters.
 */
export function transformers4Json(): Record<string, unknown> {
  return {
    architectures: ['ModernBertForSequenceClassification'],
    attention_bias: false,
    attention_dropout: 0.0,
    bos_token_id: 1,
    classifier_activation: 'gelu',
    classifier_bias: false,
    classifier_dropout: 0.0,
    classifier_pooling: 'mean',
    cls_token_id: 1,
    decoder_bias: true,
    deterministic_flash_attn: false,
    embedding_dropout: 0.0,
    eos_token_id: 2,
    global_attn_every_n_layers: 3,
    global_rope_theta: 160000.0,
    hidden_activation: 'gelu',
    hidden_size: 32,
    id2label: { '0': 'LABEL_0', '1': 'LABEL_1', '2': 'LABEL_2', '3': 'LABEL_3', '4': 'LABEL_4' },
    initializer_cutoff_factor: 2.0,
    initializer_range: 0.02,
    intermediate_size: 48,
    label2id: { LABEL_0: 0, LABEL_1: 1, LABEL_2: 2, LABEL_3: 3, LABEL_4: 4 },
    local_attention: 8,
    local_rope_theta: 10000.0,
    max_position_embeddings: 64,
    mlp_bias: false,
    mlp_dropout: 0.0,
    model_type: 'modernbert',
    norm_bias: false,
    norm_eps: 1e-5,
    num_attention_heads: 4,
    num_hidden_layers: 3,
    pad_token_id: 3,
    reference_compile: null,
    repad_logits_with_grad: false,
    sep_token_id: 2,
    sparse_pred_ignore_index: -100,
    sparse_prediction: false,
    torch_dtype: 'float32',
    transformers_version: '4.48.0',
    vocab_size: 1200,
  };
}
