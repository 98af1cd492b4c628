export {
  trainClassifier,
  trainClassifierAsync,
  TrainingDiverged,
  TrainingInterrupted,
  type RunInfo,
  type TrainOptions,
  type TrainProgress,
} from './trainer.js';
export {
  evaluate,
  type ClassifierModel,
  type Collate,
  type EvaluateOptions,
  type TrainBatch,
} from './evaluate.js';
export { batchTensors, inputTensors, sliceBatch, type InputTensors } from './batch-tensors.js';
export {
  accumulateGradients,
  MicroBatching,
  microBatchRanges,
  type MicroBatchSplit,
} from './micro-batches.js';
export { InferencePieces, type BatchLogits } from './inference-pieces.js';
export { describeInferenceSplit, describeMicroBatchSplit, type InferenceSplit } from './memory-messages.js';
export { argmaxRows, computeMetrics } from './metrics.js';
export {
  computeMultiLabelMetrics,
  DEFAULT_THRESHOLD,
  thresholdProbabilities,
} from './multi-label-metrics.js';
export { batchLoss } from './batch-loss.js';
export {
  latestCheckpoint,
  listCheckpoints,
  loadCheckpoint,
  pruneCheckpoints,
  saveCheckpoint,
  folderCheckpoints,
  type CheckpointContents,
  type TrainerState,
} from './checkpoint.js';
export {
  memoryCheckpoints,
  type CheckpointFileMap,
  type CheckpointStore,
  type MemoryCheckpointStore,
} from './checkpoint-store.js';
export type {
  ClassMetrics,
  EpochRecord,
  Method,
  Metrics,
  MultiLabelMetrics,
  RunResults,
  Timing,
} from './results.js';
