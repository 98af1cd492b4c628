export { onnxModel, type OnnxModel, type OnnxModelOptions } from './onnx-model.js';
export {
  writeOnnxExport,
  checkExportTarget,
  type OnnxExportOptions,
  type OnnxExportSummary,
} from './export-directory.js';
export { MIN_OPSET, MAX_OPSET } from './graph-builder.js';
export { decodeModel } from './schema.js';
