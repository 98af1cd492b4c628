import type { Command } from 'commander';
import { registerBench } from './bench.js';
import { registerDownloadData } from './download-data.js';
import { registerDownloadModel } from './download-model.js';
import { registerEvaluate } from './evaluate.js';
import { registerExportOnnx } from './export-onnx.js';
import { registerExperiments } from './experiments.js';
import { registerPredict } from './predict.js';
import { registerPreprocess } from './preprocess.js';
import { registerReport } from './report.js';
import { registerServe } from './serve.js';
import { registerTokenize } from './tokenize.js';
import { registerTrain } from './train.js';
import { registerWeb } from './web.js';
import { reportUnknownOptionsFirst } from './unknown-first.js';
import { describeListDefaults } from './help-defaults.js';

/** Every command lives in its own file and registers itself here, in the order of the data flow. */
export function registerCommands(program: Command): void {
  registerDownloadData(program);
  registerDownloadModel(program);
  registerPreprocess(program);
  registerTokenize(program);
  registerTrain(program);
  registerEvaluate(program);
  registerPredict(program);
  registerExperiments(program);
  registerExportOnnx(program);
  registerReport(program);
  registerServe(program);
  registerBench(program);
  registerWeb(program);
  reportUnknownOptionsFirst(program);
  describeListDefaults(program);
}
