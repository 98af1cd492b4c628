export {
  DistilBertConfig,
  type DistilBertConfigFields,
  distilBertBaseConfig,
  DISTILBERT_LAYER_NORM_EPS,
} from './config.js';
export { DistilBertEmbeddings } from './embeddings.js';
export { DistilBertSelfAttention } from './self-attention.js';
export { DistilBertFFN } from './ffn.js';
export { DistilBertTransformerBlock } from './transformer-block.js';
export { DistilBertTransformer } from './transformer.js';
export { DistilBertModel } from './model.js';
export { DistilBertForSequenceClassification } from './sequence-classification.js';
export { fillSinusoidalPositions } from './sinusoidal.js';
export { distilBertFamily } from './family.js';
