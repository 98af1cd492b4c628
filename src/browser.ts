// LoRA Lab in a browser (the package's lora-lab/browser export): the engine, the models, LoRA, training
// and the readers over bytes, without anything that needs Node. scripts/build-browser.mjs bundles it,
// putting each Node-only module's `.browser.ts` twin in its place (kernel workers as Web Workers, the
// kernels fetched beside the bundle, no folders by path). src/index.ts is the Node entry.
export { UserError } from './errors.js';

export * from './text/index.js';
export { LabelMap, MULTI_LABEL_PROBLEM_TYPE, compareCodePoints } from './data/label-map.js';
export { stratifiedSplit, type SplitIndices, type SplitOptions } from './data/split.js';
export {
  tokenizeDataset,
  encodeExample,
  type Example,
  type TokenizedDataset,
  type TokenizedExample,
} from './data/dataset.js';
export { makeBatches, countBatches, type Batch } from './data/batch.js';
export {
  chooseColumns,
  chooseTextColumns,
  type ColumnChoice,
  type ColumnFlags,
} from './data/readers/columns.js';
export { formatOf, type Table, type TableFormat, type TableRow } from './data/readers/table-format.js';
export { readTableBytes } from './data/readers/table-bytes.js';
export {
  labelledRows,
  type LabelledFile,
  type LabelledReadOptions,
  type LabelledRow,
} from './data/readers/labelled-rows.js';
export { parseCsvText } from './data/csv-records.js';

export { kernels, useKernels } from './kernels/active.js';
export type { Kernels } from './kernels/kernels.js';
export { createReferenceKernels } from './kernels/reference/index.js';
export { createWasmKernels, WasmKernels } from './kernels/wasm/index.js';
export { createWebKernels, type WebKernels } from './kernels/web-kernels.js';
export * from './tensor/index.js';
export * from './nn/index.js';
export * from './models/index.js';
export * from './lora/index.js';
export * from './optim/index.js';

export { parseSafetensors, serializeSafetensors, type SafetensorsContents } from './io/safetensors-format.js';
export type { StateDict, TensorEntry } from './io/state-dict.js';
export {
  loadSequenceClassifierFrom,
  modelConfigFromText,
  type LoadClassifierOptions,
  type LoadedClassifier,
  type ModelFileSource,
} from './io/classifier-files.js';
export {
  applyPeftAdapter,
  fromPeftParameterName,
  peftAdapterFiles,
  peftAdapterStateDict,
  type PeftAdapterFiles,
} from './io/peft-adapter-files.js';

export {
  trainClassifier,
  trainClassifierAsync,
  TrainingDiverged,
  TrainingInterrupted,
  type RunInfo,
  type TrainOptions,
  type TrainProgress,
} from './train/trainer.js';
export { evaluate, type ClassifierModel, type Collate, type TrainBatch } from './train/evaluate.js';
export { collateTokenized } from './train/collate.js';
export { batchTensors, inputTensors } from './train/batch-tensors.js';
export { argmaxRows, computeMetrics } from './train/metrics.js';
export {
  computeMultiLabelMetrics,
  DEFAULT_THRESHOLD,
  thresholdProbabilities,
} from './train/multi-label-metrics.js';
export { batchLoss } from './train/batch-loss.js';
export {
  memoryCheckpoints,
  type CheckpointFileMap,
  type CheckpointStore,
  type MemoryCheckpointStore,
} from './train/checkpoint-store.js';
export type { ClassMetrics, EpochRecord, Metrics, MultiLabelMetrics, RunResults } from './train/results.js';
export { PRESETS, type Preset, type PresetName } from './experiments/presets.js';
