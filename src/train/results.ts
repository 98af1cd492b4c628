/** The schema of `results.json`, written by `train` and read by `report`. */

export type Method = 'scratch' | 'full' | 'lora';

export interface ClassMetrics {
  precision: number;
  recall: number;
  f1: number;
  support: number;
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
  /** confusion[trueIndex][predictedIndex], indices as in `labels`. */
  confusion: number[][];
  labels: string[];
  examples: number;
}

export interface EpochRecord {
  epoch: number;
  train_loss: number;
  /** Present when there is a validation split. */
  val?: Pick<Metrics, 'accuracy' | 'f1_weighted' | 'f1_macro' | 'loss'>;
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
  history: EpochRecord[];
  best_epoch: number;
  test: Metrics;
  timing: Timing;
  /** Where the data and the base model came from, for the report. */
  data_source?: string;
  base_model?: string;
  threads?: number;
  created_at: string;
}
