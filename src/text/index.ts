export {
  TextTokenizer,
  type EncodeOptions,
  type EncodeBatchOptions,
  type EncodedBatch,
  type EncodedText,
  type SpecialTokens,
  type TextInput,
  type TokenizerSource,
} from './tokenizer.js';
export { type TokenizerDefinition, type AddedTokenDefinition } from './definition.js';
export {
  buildBertDefinition,
  bertOptionsFromConfig,
  DEFAULT_BERT_OPTIONS,
  type BertDefinitionOptions,
  type SpecialTokenNames,
} from './wordpiece-definition.js';
export { buildByteLevelBpeDefinition, type ByteLevelBpeOptions } from './byte-level-bpe-definition.js';
export { padSequences, type PaddedBatch } from './pad.js';
export { parseVocab, formatVocab } from './vocab.js';
export { cleanText, countWords } from './clean.js';
