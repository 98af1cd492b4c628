export type { ClassifierConfig, ModelFamily, SequenceClassifier, TokenizerFallback } from './family.js';
export { createClassifier, familyOf, readModelConfig, supportedModelTypes } from './registry.js';
export * from './bert/index.js';
