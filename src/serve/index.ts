export { startServer, SERVE_DEFAULTS, type RunningServer, type ServeOptions } from './server.js';
export { ServedModel, type BatchRow, type EncodedInput, type ServedAdapter } from './served-model.js';
export { DynamicBatcher, type BatchReport, type BatcherOptions } from './batcher.js';
