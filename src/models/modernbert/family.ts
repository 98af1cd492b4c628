import { UserError } from '../../errors.js';
import type { Rng } from '../../tensor/random.js';
import { prefixedParameterName } from '../common/checkpoint-names.js';
import type { ClassifierConfig, ModelFamily } from '../family.js';
import { ModernBertConfig } from './config.js';
import { modernBertConfigFromJSON } from './config-json.js';
import { ModernBertForSequenceClassification } from './sequence-classification.js';

/** ModernBERT (answerdotai/ModernBERT-base and -large, and the checkpoints fine-tuned from them). */
export const modernBertFamily: ModelFamily = {
  modelTypes: ['modernbert'],
  readConfig: (json, source) => modernBertConfigFromJSON(json, source),
  create(config: ClassifierConfig, rng: Rng, options = {}) {
    if (!(config instanceof ModernBertConfig)) {
      throw new UserError(`A ${config.modelType} config cannot build a ModernBERT model.`);
    }
    return new ModernBertForSequenceClassification(config, rng, options);
  },
  // A masked-LM checkpoint's `head.*` is the same prediction head and loads; its `decoder.*` is unexpected.
  parameterName: prefixedParameterName({
    prefix: 'model',
    baseParts: ['embeddings', 'layers', 'final_norm'],
    buffers: ['.inv_freq'],
  }),
  initializablePrefixes: ['head.', 'classifier.'],
  headPrefixes: ['head.', 'classifier.'],
  labelsWeight: 'classifier.weight',
  tokenizerFallback: 'none',
};
