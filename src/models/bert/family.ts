import { UserError } from '../../errors.js';
import type { Rng } from '../../tensor/random.js';
import { prefixedParameterName } from '../common/checkpoint-names.js';
import type { ClassifierConfig, ModelFamily } from '../family.js';
import { BertConfig } from './config.js';
import { BertForSequenceClassification } from './sequence-classification.js';

/** BERT and its many checkpoints that are BERT inside (MiniLM, the BERT miniatures, bert-base …). */
export const bertFamily: ModelFamily = {
  modelTypes: ['bert'],
  readConfig: (json, source) => BertConfig.fromJSON(json, source),
  create(config: ClassifierConfig, rng: Rng, options = {}) {
    if (!(config instanceof BertConfig)) {
      throw new UserError(`A ${config.modelType} config cannot build a BERT model.`);
    }
    return new BertForSequenceClassification(config, rng, options);
  },
  parameterName: prefixedParameterName({
    prefix: 'bert',
    baseParts: ['embeddings', 'encoder', 'pooler'],
    buffers: ['.position_ids', 'embeddings.token_type_ids'],
  }),
  initializablePrefixes: ['classifier.', 'bert.pooler.'],
  headPrefixes: ['classifier.'],
  labelsWeight: 'classifier.weight',
  tokenizerFallback: 'wordpiece',
};
