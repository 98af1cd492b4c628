import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { TEXT_PREPROCESSING_FILE } from '../data/split-files.js';
import { loadClassifier } from '../experiments/classifier.js';
import { checkExportTarget, MAX_OPSET, MIN_OPSET, writeOnnxExport } from '../export/onnx/index.js';
import { intInRange, oneOf } from './options.js';
import { packageVersion } from './version.js';

interface ExportOnnxFlags {
  model?: string;
  adapter?: string;
  out: string;
  opset: number;
  quantize?: 'int8';
  json?: boolean;
}

/** `write` receives the output (stdout by default; tests collect it). */
export function registerExportOnnx(
  program: Command,
  write: (text: string) => void = (text) => void process.stdout.write(text),
): void {
  program
    .command('export-onnx')
    .description(
      'Export a model (with a LoRA adapter merged into it) as ONNX, in the folder layout transformers.js loads: onnx/model.onnx beside config.json and the tokenizer files.',
    )
    .option(
      '--model <dir>',
      'Hugging Face model directory; with --adapter, the default is the base its adapter_config.json names',
    )
    .option('--adapter <dir>', 'PEFT LoRA adapter directory, merged into the model before export')
    .requiredOption('--out <dir>', 'the folder to write (must not exist yet, or be empty)')
    .option(
      '--opset <n>',
      `ONNX opset of the default domain (${MIN_OPSET}–${MAX_OPSET})`,
      intInRange(MIN_OPSET, MAX_OPSET),
      17,
    )
    .option(
      '--quantize <type>',
      'also write onnx/model_quantized.onnx with int8 weights (dynamic quantization; transformers.js dtype "q8")',
      oneOf(['int8'] as const),
    )
    .option('--json', 'print the summary as one JSON object')
    .action(async (flags: ExportOnnxFlags) => {
      // A taken --out costs nothing: it is refused before the model is read.
      checkExportTarget(flags.out);
      const { model, labels, tokenizer, modelDir } = await loadClassifier(flags);
      const summary = writeOnnxExport(model, flags.out, {
        labels,
        tokenizer,
        opset: flags.opset,
        quantize: flags.quantize,
        extraFiles: preprocessingRecord([flags.adapter, modelDir]),
        producerVersion: packageVersion(),
      });
      if (flags.json) {
        write(`${JSON.stringify(summary)}\n`);
        return;
      }
      const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;
      write(
        `Wrote ${summary.dir} (opset ${summary.opset}; inputs ${summary.inputs.join(', ')}; output logits over ${labels.length} labels${flags.adapter ? `; adapter ${flags.adapter} merged` : ''}):\n` +
          summary.files.map((f) => `  ${f.path}  ${mb(f.bytes)}\n`).join(''),
      );
    });
}

/** The text cleaning the model was trained with (preprocessing.json), carried along so it is not lost. */
function preprocessingRecord(dirs: (string | undefined)[]): Record<string, string> {
  for (const dir of dirs) {
    if (dir === undefined) continue;
    const path = join(dir, TEXT_PREPROCESSING_FILE);
    if (existsSync(path)) return { [TEXT_PREPROCESSING_FILE]: readFileSync(path, 'utf8') };
  }
  return {};
}
