import { UserError } from '../../errors.js';
import type { Rng } from '../../tensor/random.js';
import { prefixedParameterName } from '../common/checkpoint-names.js';
import type { ClassifierConfig, ModelFamily } from '../family.js';
import { DistilBertConfig } from './config.js';
import { DistilBertForSequenceClassification } from './sequence-classification.js';

/**
 * DistilBERT (distilbert-base-uncased and its fine-tunes). A bare DistilBertModel checkpoint
 * (`embeddings.*`, `transformer.*`) gets the `distilbert.` prefix; the masked-LM head of the published
 * checkpoints (`vocab_transform`, `vocab_layer_norm`, `vocab_projector`) is reported as unexpected.
 */
export const distilBertFamily: ModelFamily = {
  modelTypes: ['distilbert'],
  readConfig: (json, source) => DistilBertConfig.fromJSON(json, source),
  create(config: ClassifierConfig, rng: Rng, options = {}) {
    if (!(config instanceof DistilBertConfig)) {
      throw new UserError(`A ${config.modelType} config cannot build a DistilBERT model.`);
    }
    return new DistilBertForSequenceClassification(config, rng, options);
  },
  parameterName: prefixedParameterName({
    prefix: 'distilbert',
    baseParts: ['embeddings', 'transformer'],
    buffers: ['.position_ids'],
  }),
  initializablePrefixes: ['pre_classifier.', 'classifier.'],
  headPrefixes: ['pre_classifier.', 'classifier.'],
  labelsWeight: 'classifier.weight',
  tokenizerFallback: 'wordpiece',
};
