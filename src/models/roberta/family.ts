import { UserError } from '../../errors.js';
import type { Rng } from '../../tensor/random.js';
import { prefixedParameterName } from '../common/checkpoint-names.js';
import type { ClassifierConfig, ModelFamily } from '../family.js';
import { RobertaConfig } from './config.js';
import { RobertaForSequenceClassification } from './sequence-classification.js';

/**
 * RoBERTa and XLM-RoBERTa (one architecture, two model_type values) and the checkpoints built on them
 * (distilroberta, roberta-base/large, xlm-roberta-base …). A base checkpoint's pooler and MLM head
 * (`roberta.pooler.*`, `lm_head.*`) are no part of the classifier and are reported as unexpected.
 */
export const robertaFamily: ModelFamily = {
  modelTypes: ['roberta', 'xlm-roberta'],
  readConfig: (json, source) => RobertaConfig.fromJSON(json, source),
  create(config: ClassifierConfig, rng: Rng, options = {}) {
    if (!(config instanceof RobertaConfig)) {
      throw new UserError(`A ${config.modelType} config cannot build a RoBERTa model.`);
    }
    return new RobertaForSequenceClassification(config, rng, options);
  },
  parameterName: prefixedParameterName({
    prefix: 'roberta',
    baseParts: ['embeddings', 'encoder', 'pooler'],
    buffers: ['.position_ids', 'embeddings.token_type_ids'],
  }),
  initializablePrefixes: ['classifier.'],
  headPrefixes: ['classifier.'],
  labelsWeight: 'classifier.out_proj.weight',
  tokenizerFallback: 'byte-level-bpe',
};
