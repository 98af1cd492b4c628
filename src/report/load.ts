import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, dirname, sep } from 'node:path';
import { UserError } from '../errors.js';
import type { Method, RunResults } from '../train/results.js';

/** One training run as the report sees it: its results and where they came from. */
export interface LoadedRun {
  /** Absolute path of the run's results.json. */
  file: string;
  /** The run's folder relative to the runs folder, with forward slashes ('.' for the folder itself). */
  dir: string;
  results: RunResults;
}

const METHODS: readonly Method[] = ['scratch', 'full', 'lora'];

/**
 * Every `results.json` below `root`, sorted. Hidden folders and node_modules are skipped, and symbolic
 * links are not followed, so a link back up the tree cannot loop.
 */
export function findResultsFiles(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) {
        if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
        walk(join(dir, entry.name));
      } else if (entry.isFile() && entry.name === 'results.json') {
        found.push(join(dir, entry.name));
      }
    }
  };
  walk(root);
  return found.sort();
}

/** Reads every run below `runsDir`; a missing folder, no runs at all, or one malformed file is a UserError. */
export function loadRuns(runsDir: string): LoadedRun[] {
  let isDir = false;
  try {
    isDir = statSync(runsDir).isDirectory();
  } catch {
    isDir = false;
  }
  if (!isDir) throw new UserError(`The runs folder ${runsDir} does not exist or is not a folder.`);
  const files = findResultsFiles(runsDir);
  if (files.length === 0) throw new UserError(`No results.json was found anywhere under ${runsDir}.`);
  return files.map((file) => {
    const dir = relative(runsDir, dirname(file)).split(sep).join('/') || '.';
    return { file, dir, results: parseResults(readFileSync(file, 'utf8'), file) };
  });
}

/** Parses and checks one results.json; `file` only names it in the error. */
export function parseResults(text: string, file: string): RunResults {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new UserError(`The file ${file} is not valid JSON (${reason}).`);
  }
  const problem = findProblem(value);
  if (problem) throw new UserError(`The file ${file} is not a valid results.json: ${problem}.`);
  return value as RunResults;
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** The first thing wrong with a parsed results.json, as a phrase, or null when it has what the report reads. */
function findProblem(v: unknown): string | null {
  if (!isObject(v)) return 'it is not a JSON object';
  if (typeof v.method !== 'string' || !METHODS.includes(v.method as Method)) {
    return `"method" must be one of ${METHODS.join(', ')}`;
  }
  if (typeof v.name !== 'string' || v.name.trim() === '') return '"name" must be a non-empty string';
  for (const key of ['seed', 'trainable_params', 'total_params']) {
    if (!isNumber(v[key])) return `"${key}" must be a number`;
  }
  if ((v.total_params as number) <= 0) return '"total_params" must be positive';
  if (!isObject(v.config)) return '"config" must be an object';
  for (const key of ['data_source', 'base_model']) {
    if (v[key] !== undefined && v[key] !== null && typeof v[key] !== 'string')
      return `"${key}" must be a string`;
  }
  const test = v.test;
  if (!isObject(test)) return '"test" must be an object';
  for (const key of ['accuracy', 'f1_weighted', 'f1_macro']) {
    if (!isNumber(test[key])) return `"test.${key}" must be a number`;
  }
  const labels = test.labels;
  if (!Array.isArray(labels) || labels.length === 0 || !labels.every((l) => typeof l === 'string')) {
    return '"test.labels" must be a non-empty list of class names';
  }
  const confusion = test.confusion;
  // A multi-label run has no single true class per row, hence no confusion matrix, but its own averages.
  const multiLabel = test.multi_label;
  if (multiLabel !== undefined) {
    if (
      !isObject(multiLabel) ||
      !['f1_micro', 'f1_samples', 'subset_accuracy'].every((k) => isNumber(multiLabel[k]))
    ) {
      return '"test.multi_label" must be an object with numbers f1_micro, f1_samples and subset_accuracy';
    }
    if (!Array.isArray(confusion) || confusion.length !== 0) {
      return '"test.confusion" of a multi-label run must be an empty list';
    }
  } else if (
    !Array.isArray(confusion) ||
    confusion.length !== labels.length ||
    !confusion.every((row) => Array.isArray(row) && row.length === labels.length && row.every(isNumber))
  ) {
    return `"test.confusion" must be a ${labels.length}×${labels.length} matrix of numbers`;
  }
  if (!isObject(test.per_class)) return '"test.per_class" must be an object keyed by class name';
  for (const [name, m] of Object.entries(test.per_class)) {
    if (!isObject(m) || !['precision', 'recall', 'f1', 'support'].every((k) => isNumber(m[k]))) {
      return `"test.per_class" entry "${name}" must have numbers precision, recall, f1 and support`;
    }
  }
  const timing = v.timing;
  if (!isObject(timing)) return '"timing" must be an object';
  for (const key of ['train_seconds', 'train_examples_per_second']) {
    if (!isNumber(timing[key])) return `"timing.${key}" must be a number`;
  }
  return null;
}
