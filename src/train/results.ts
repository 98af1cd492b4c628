/** The schema of `results.json`, written by `train` and read by `report`. */

import type { DataRecord } from '../data/data-record.js';
import type { Kernels } from '../kernels/kernels.js';

export type Method = 'scratch' | 'full' | 'lora';

export interface ClassMetrics {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

/**
 * The averages only multi-label classification has (scikit-learn's, zero_division=0), and the
 * threshold on each label's sigmoid probability that turned scores into a label set.
 */
export interface MultiLabelMetrics {
  threshold: number;
  /** Rows whose whole label set was predicted exactly (also `accuracy`). */
  subset_accuracy: number;
  f1_micro: number;
  precision_micro: number;
  recall_micro: number;
  f1_samples: number;
  precision_samples: number;
  recall_samples: number;
  /** The fraction of (row, label) decisions that are wrong. */
  hamming_loss: number;
}

export interface Metrics {
  accuracy: number;
  f1_weighted: number;
  f1_macro: number;
  precision_weighted: number;
  recall_weighted: number;
  precision_macro: number;
  recall_macro: number;
  loss?: number;
  /** Keyed by class name. */
  per_class: Record<string, ClassMetrics>;
  /** confusion[trueIndex][predictedIndex], indices as in `labels`; empty for multi-label metrics. */
  confusion: number[][];
  labels: string[];
  examples: number;
  /** Present when the classifier is multi-label: then `accuracy` is the subset accuracy and support counts rows with the label. */
  multi_label?: MultiLabelMetrics;
}

export interface EpochRecord {
  epoch: number;
  train_loss: number;
  /** Present when there is a validation split (f1_micro: for a multi-label classifier). */
  val?: Pick<Metrics, 'accuracy' | 'f1_weighted' | 'f1_macro' | 'loss'> & { f1_micro?: number };
  seconds: number;
}

export interface Timing {
  train_seconds: number;
  eval_seconds: number;
  train_examples_per_second: number;
  eval_examples_per_second: number;
}

export interface RunResults {
  method: Method;
  /** A display name, e.g. "bert-tiny + LoRA (r=8)". */
  name: string;
  seed: number;
  trainable_params: number;
  total_params: number;
  config: Record<string, unknown>;
  /** The --max-steps cap (0: none); runs written before it was recorded here have it in `config`. */
  max_steps?: number;
  /** True when the cap ended training before its epochs were done: a smoke run, not a result. */
  stopped_at_max_steps?: boolean;
  /**
   * Present when early stopping ended training: at the end of `epoch` of the `epochs` planned, after
   * config.early_stopping_patience epochs without a better validation F1 than best_epoch's.
   */
  stopped_early?: { epoch: number; epochs: number };
  history: EpochRecord[];
  best_epoch: number;
  test: Metrics;
  timing: Timing;
  /** Where the data and the base model came from, for the report. */
  data_source?: string;
  /** The data files, their rows (and those left out, and why), the columns and the splits. */
  data?: DataRecord;
  base_model?: string;
  threads?: number;
  /** The kernels that computed the run: backends round differently, so results differ in the last bits. */
  kernels?: KernelsRecord;
  created_at: string;
}

export interface KernelsRecord {
  backend: string;
  /** The native backend's instruction set. */
  isa?: string;
  /** The WebAssembly backend's build: true for relaxed SIMD's fused multiply-add. */
  fma?: boolean;
}

export function kernelsRecord(k: Pick<Kernels, 'name' | 'isa' | 'fma'>): KernelsRecord {
  return {
    backend: k.name,
    ...(k.isa !== undefined ? { isa: k.isa } : {}),
    ...(k.fma !== undefined ? { fma: k.fma } : {}),
  };
}

/**
 * The step cap a run was trained under (`--max-steps`), or null for a run trained for its epochs. A
 * capped run is a smoke test: its numbers say nothing about the method.
 */
export function stepCap(results: Pick<RunResults, 'max_steps' | 'config'>): number | null {
  const cap = results.max_steps ?? results.config.max_steps;
  return typeof cap === 'number' && Number.isFinite(cap) && cap > 0 ? cap : null;
}
