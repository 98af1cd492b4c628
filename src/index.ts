// LoRA Lab's public API, in the order data flows:
// text → tokens → batches → model (ops → kernels) → loss → gradients → optimizer → metrics → report.
export { UserError } from './errors.js';
export * from './text/index.js';
export * from './data/index.js';
export * from './kernels/index.js';
export * from './tensor/index.js';
export * from './nn/index.js';
export * from './models/index.js';
export * from './lora/index.js';
export * from './optim/index.js';
export * from './train/index.js';
export {
  writeReport,
  loadRuns,
  groupRuns,
  type ReportOptions,
  type ReportResult,
  type RunGroup,
} from './report/index.js';
export { readSafetensors, writeSafetensors } from './io/safetensors.js';
export { readPytorchBin } from './io/pytorch-pickle.js';
export { readStateDictFile } from './io/tensor-file.js';
export type { StateDict, TensorEntry } from './io/state-dict.js';
export { loadSequenceClassifier, saveHfDirectory } from './io/hf-directory.js';
export {
  savePeftAdapter,
  loadPeftAdapter,
  readPeftAdapter,
  peftAdapterStateDict,
  fromPeftParameterName,
} from './io/peft-adapter.js';
export { downloadModel } from './io/hub-download.js';
export { writeFileAtomic, writeJsonAtomic } from './io/atomic-write.js';
export { writeNamedFiles, type NamedFile } from './io/named-files.js';
export {
  onnxModel,
  writeOnnxExport,
  type OnnxModelOptions,
  type OnnxExportOptions,
} from './export/onnx/index.js';
export { saveTokenizerFiles, type TokenizerFileContents } from './io/tokenizer-files.js';
export { sharedDir, sharedPath } from './io/shared-dir.js';
export { runTraining, type TrainRunOptions, type LabelledFilesOptions } from './experiments/train-run.js';
export {
  evaluateFile,
  evaluateLabelledFile,
  type FileEvaluation,
  type LabelledEvaluateOptions,
} from './experiments/evaluate-file.js';
export { runExperiments, type ExperimentsOptions } from './experiments/runner.js';
export { PRESETS, type Preset, type PresetName } from './experiments/presets.js';
