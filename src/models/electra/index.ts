export { ElectraConfig, type ElectraConfigFields, electraSmallConfig } from './config.js';
export { ElectraEmbeddings } from './embeddings.js';
export { ElectraModel } from './model.js';
export { ElectraClassificationHead } from './classification-head.js';
export { ElectraForSequenceClassification } from './sequence-classification.js';
export { electraFamily } from './family.js';
