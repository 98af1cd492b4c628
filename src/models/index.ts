export type { ClassifierConfig, ModelFamily, SequenceClassifier, TokenizerFallback } from './family.js';
export { createClassifier, familyOf, readModelConfig, supportedModelTypes } from './registry.js';
export * from './bert/index.js';
export { distilBertFamily } from './distilbert/family.js';
export { electraFamily } from './electra/family.js';
export { robertaFamily } from './roberta/family.js';
export { modernBertFamily } from './modernbert/family.js';
export { classificationLoss } from './common/classification-loss.js';
export {
  MULTI_LABEL,
  SINGLE_LABEL,
  isMultiLabel,
  readProblemType,
  type ProblemType,
} from './common/problem-type.js';
