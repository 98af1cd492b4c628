export {
  BertConfig,
  type BertConfigFields,
  bertTinyConfig,
  smallBertConfig,
  defaultLabels,
  areDefaultLabels,
} from './config.js';
export { BertEmbeddings } from './embeddings.js';
export { BertSelfAttention } from './self-attention.js';
export { BertSelfOutput } from './self-output.js';
export { BertAttention } from './attention.js';
export { BertIntermediate } from './intermediate.js';
export { BertOutput } from './output.js';
export { BertLayer } from './layer.js';
export { BertEncoder } from './encoder.js';
export { BertPooler } from './pooler.js';
export { BertModel, type BertModelOutput } from './model.js';
export { BertForSequenceClassification } from './sequence-classification.js';
export { initBertParameter } from './init.js';
export { bertFamily } from './family.js';
export { wordEmbedding } from './word-embedding.js';
