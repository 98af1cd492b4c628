import {
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  rmdirSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { UserError } from '../../errors.js';
import { configJsonText } from '../../io/config-json.js';
import { saveTokenizerFiles, type TokenizerFileContents } from '../../io/tokenizer-files.js';
import type { SequenceClassifier } from '../../models/family.js';
import { onnxModel } from './onnx-model.js';

export interface OnnxExportOptions {
  /** Label names, index = class id: config.json's id2label, which transformers.js reports. */
  labels: readonly string[];
  tokenizer: TokenizerFileContents;
  opset?: number;
  /** Also write onnx/model_quantized.onnx, the int8 model (transformers.js's dtype 'q8'). */
  quantize?: 'int8';
  /** Files copied in as they are (name → contents), e.g. the preprocessing record. */
  extraFiles?: Record<string, string | Uint8Array>;
  producerVersion?: string;
}

export interface OnnxExportSummary {
  dir: string;
  /** Each file written, relative to `dir`, with its size. */
  files: { path: string; bytes: number }[];
  inputs: string[];
  opset: number;
}

/** Refuses an output folder that already holds something, before any work is done. */
export function checkExportTarget(out: string): void {
  if (!existsSync(out)) return;
  if (!statSync(out).isDirectory())
    throw new UserError(`${out} is a file; give --out a folder that does not exist yet.`);
  if (readdirSync(out).length > 0) {
    throw new UserError(
      `${out} already holds files; give --out a new or empty folder (nothing is overwritten).`,
    );
  }
}

/**
 * Writes the folder transformers.js loads: `onnx/model.onnx` (and `onnx/model_quantized.onnx` with
 * quantize) beside config.json and the tokenizer's files. Everything is written into a temporary
 * folder next to `out` and renamed into place at the end, so `out` holds a whole export or nothing.
 * The model is merged in place (its LoRA layers folded into the base weights).
 */
export function writeOnnxExport(
  model: SequenceClassifier,
  out: string,
  options: OnnxExportOptions,
): OnnxExportSummary {
  checkExportTarget(out);
  const labels = [...options.labels];
  if (labels.length !== model.config.numLabels) {
    throw new UserError(
      `The model has ${model.config.numLabels} labels, but ${labels.length} label names were given.`,
    );
  }
  const target = resolve(out);
  mkdirSync(dirname(target), { recursive: true });
  const temporary = join(dirname(target), `.${basename(target)}.${process.pid}.${Date.now()}.tmp`);
  try {
    mkdirSync(join(temporary, 'onnx'), { recursive: true });
    const common = { opset: options.opset, producerVersion: options.producerVersion };
    const exported = onnxModel(model, { ...common, weights: 'float32' });
    writeFileSync(join(temporary, 'onnx', 'model.onnx'), exported.bytes);
    if (options.quantize === 'int8') {
      writeFileSync(
        join(temporary, 'onnx', 'model_quantized.onnx'),
        onnxModel(model, { ...common, weights: 'int8' }).bytes,
      );
    }
    writeFileSync(join(temporary, 'config.json'), configJsonText(model.config.withLabels(labels).toJSON()));
    saveTokenizerFiles(cappedTokenizer(options.tokenizer, model.config.maxLength), temporary);
    for (const [name, contents] of Object.entries(options.extraFiles ?? {}))
      writeFileSync(join(temporary, name), contents);
    const files = listFiles(temporary);
    // An empty folder given as --out is replaced; checkExportTarget refused anything else.
    if (existsSync(target)) rmdirSync(target);
    renameSync(temporary, target);
    return { dir: out, files, inputs: exported.inputs, opset: exported.opset };
  } catch (error) {
    rmSync(temporary, { recursive: true, force: true });
    throw error;
  }
}

/**
 * The tokenizer's files with model_max_length at most the model's positions: transformers.js's pipeline
 * truncates to it, and a longer input would index past the position table (checkpoints often say
 * 1e30, "no limit").
 */
function cappedTokenizer(tokenizer: TokenizerFileContents, maxLength: number): TokenizerFileContents {
  const config = tokenizer.tokenizerConfig as Record<string, unknown>;
  const stated = typeof config.model_max_length === 'number' ? config.model_max_length : Infinity;
  return {
    vocabText: () => tokenizer.vocabText(),
    tokenizerJson: tokenizer.tokenizerJson,
    tokenizerConfig: { ...config, model_max_length: Math.min(stated, maxLength) },
  };
}

function listFiles(root: string, under = ''): { path: string; bytes: number }[] {
  return readdirSync(join(root, under))
    .sort()
    .flatMap((name) => {
      const path = under ? `${under}/${name}` : name;
      const stat = statSync(join(root, path));
      return stat.isDirectory() ? listFiles(root, path) : [{ path, bytes: stat.size }];
    });
}
