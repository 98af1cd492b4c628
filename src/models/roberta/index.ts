export {
  RobertaConfig,
  type RobertaConfigFields,
  type RobertaModelType,
  robertaBaseConfig,
} from './config.js';
export { robertaPositionIds } from './position-ids.js';
export { RobertaEmbeddings } from './embeddings.js';
export { RobertaModel } from './model.js';
export { RobertaClassificationHead } from './classification-head.js';
export { RobertaForSequenceClassification } from './sequence-classification.js';
export { initRobertaParameter } from './init.js';
export { robertaFamily } from './family.js';
