import type { Rng } from '../../tensor/random.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { ModernBertConfig } from './config.js';

/**
 * transformers' ModernBertPreTrainedModel._init_weights, decided by the parameter's name: weights
 * from a normal truncated at ±initializer_cutoff_factor standard deviations — std initializer_range
 * for the embeddings and the in-projections (Wqkv, Wi), initializer_range / √(2·layers) for the
 * out-projections (attn.Wo, mlp.Wo) and the head's dense, hidden_size^−½ for the classifier —
 * Linear biases 0, LayerNorm weights 1 and biases 0.
 */
export function initModernBertParameter(name: string, t: Tensor, config: ModernBertConfig, rng: Rng): void {
  const range = config.initializerRange;
  const out = range / Math.sqrt(2 * config.numHiddenLayers);
  if (/(^|\.)(norm|attn_norm|mlp_norm|final_norm)\.weight$/.test(name)) t.data.fill(1);
  else if (name.endsWith('.bias')) t.data.fill(0);
  else if (/(tok_embeddings|Wqkv|Wi)\.weight$/.test(name)) truncatedNormal(t, range, config, rng);
  else if (/(attn\.Wo|mlp\.Wo|head\.dense)\.weight$/.test(name)) truncatedNormal(t, out, config, rng);
  else if (name === 'classifier.weight') truncatedNormal(t, config.hiddenSize ** -0.5, config, rng);
  else throw new Error(`initModernBertParameter: no rule for parameter ${name}.`);
}

/** N(0, std²) redrawn until it falls within ±cutoff·std (torch's trunc_normal_ with a = −b). */
function truncatedNormal(t: Tensor, std: number, config: ModernBertConfig, rng: Rng): void {
  const bound = config.initializerCutoffFactor;
  for (let i = 0; i < t.data.length; i++) {
    let z = rng.normal();
    while (Math.abs(z) > bound) z = rng.normal();
    t.data[i] = z * std;
  }
}
