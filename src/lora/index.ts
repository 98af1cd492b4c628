export {
  ADAPTER_CONFIG_NAME,
  cloneLoraConfig,
  createLoraConfig,
  loraConfigToJson,
  loraScaling,
  parseLoraConfig,
  serializeLoraConfig,
  validateLoraConfig,
  type LoraConfig,
  type LoraConfigInit,
} from './config.js';
export { LoRALinear, type LoRALinearOptions } from './lora-linear.js';
export { ALL_LINEAR, applyLora, loraLayers, planLora, type LoraPlan, type LoraTarget } from './inject.js';
export { matchesTarget, rankAndAlphaFor } from './target-match.js';
export { SEQ_CLS_HEAD_NAMES, effectiveModulesToSave, findModulesToSave } from './modules-to-save.js';
export { freezeAll, markOnlyLoraTrainable } from './trainable.js';
export {
  mergeAndUnload,
  mergedWeight,
  mergeLayer,
  mergeLora,
  unloadLora,
  unmergeLayer,
  unmergeLora,
} from './merge.js';
export {
  formatTrainableParameters,
  trainableParameterReport,
  type TrainableParameterReport,
} from './report.js';
export { loraStateOf, type LoraState } from './state.js';
export { AdapterRouting, type RowRun } from './adapter-routing.js';
export { MultiAdapterLinear, type AdapterSlot } from './multi-adapter-linear.js';
export { MultiAdapterLayerNorm } from './multi-adapter-layer-norm.js';
export {
  adapterPartsOf,
  attachAdapter,
  detachAdapter,
  mergedParts,
  multiAdapterLayers,
  type AdapterParts,
  type MultiAdapterLayer,
} from './multi-adapter.js';
