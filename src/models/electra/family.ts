import { UserError } from '../../errors.js';
import type { Rng } from '../../tensor/random.js';
import { prefixedParameterName } from '../common/checkpoint-names.js';
import type { ClassifierConfig, ModelFamily } from '../family.js';
import { ElectraConfig } from './config.js';
import { ElectraForSequenceClassification } from './sequence-classification.js';

/**
 * ELECTRA (the google/electra-* discriminators and their fine-tunes). A bare ElectraModel checkpoint
 * (`embeddings.*`, `embeddings_project.*`, `encoder.*`) gets the `electra.` prefix; the pre-training
 * heads (`discriminator_predictions.*`, the generator's `generator_predictions.*` and
 * `generator_lm_head.*`) are reported as unexpected.
 */
export const electraFamily: ModelFamily = {
  modelTypes: ['electra'],
  readConfig: (json, source) => ElectraConfig.fromJSON(json, source),
  create(config: ClassifierConfig, rng: Rng, options = {}) {
    if (!(config instanceof ElectraConfig)) {
      throw new UserError(`A ${config.modelType} config cannot build an ELECTRA model.`);
    }
    return new ElectraForSequenceClassification(config, rng, options);
  },
  parameterName: prefixedParameterName({
    prefix: 'electra',
    baseParts: ['embeddings', 'embeddings_project', 'encoder'],
    buffers: ['.position_ids', 'embeddings.token_type_ids'],
  }),
  initializablePrefixes: ['classifier.'],
  headPrefixes: ['classifier.'],
  labelsWeight: 'classifier.out_proj.weight',
  tokenizerFallback: 'wordpiece',
};
