export {
  BertTokenizer,
  type EncodeOptions,
  type EncodeBatchOptions,
  type EncodedBatch,
  type TokenizerSource,
} from './bert-tokenizer.js';
export {
  buildBertDefinition,
  bertOptionsFromConfig,
  DEFAULT_BERT_OPTIONS,
  type BertDefinitionOptions,
  type SpecialTokenNames,
  type TokenizerDefinition,
} from './definition.js';
export { padSequences, type PaddedBatch } from './pad.js';
export { parseVocab, formatVocab } from './vocab.js';
export { cleanText, countWords } from './clean.js';
