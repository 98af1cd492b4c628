export {
  ModernBertConfig,
  type ModernBertConfigFields,
  type LayerType,
  type ClassifierPooling,
  layerTypesEvery,
} from './config.js';
export { modernBertConfigFromJSON, MODERNBERT_DEFAULTS } from './config-json.js';
export { ModernBertEmbeddings } from './embeddings.js';
export { ModernBertAttention } from './attention.js';
export { ModernBertMlp } from './mlp.js';
export { ModernBertEncoderLayer } from './layer.js';
export { ModernBertModel } from './model.js';
export { ModernBertPredictionHead } from './head.js';
export { ModernBertForSequenceClassification } from './sequence-classification.js';
export { initModernBertParameter } from './init.js';
export { rotaryTables, type RotaryTables } from './rotary.js';
export { modernBertFamily } from './family.js';
