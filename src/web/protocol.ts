import type { WebKernelsKind } from '../kernels/web-kernels.js';
import type { TrainProgress } from '../train/trainer.js';
import type { EpochRecord, Metrics } from '../train/results.js';

// The messages between the page (app.ts) and its training worker (train-worker.ts). A request carries
// an id and gets one reply with that id; training also sends events without one.

/** Where the base model comes from: a file server's folder URL, or files picked from a local folder. */
export type ModelChoice = { kind: 'url'; url: string } | { kind: 'files'; files: File[] };

/** The settings of a training run; the defaults come from the tuned preset (settings.ts). */
export interface RunSettings {
  textColumn: string;
  labelColumn: string;
  /** The label column holds sets of labels (JSON arrays, or text split at `labelSeparator`). Absent: single-label. */
  multiLabel?: boolean;
  /** Splits a multi-label cell such as "billing|fraud"; the CLI's default is ",". */
  labelSeparator?: string;
  r: number;
  alpha: number;
  dropout: number;
  targets: string[];
  lr: number;
  epochs: number;
  /**
   * Stop once this many epochs in a row brought no better validation F1 (0: train every epoch); only
   * with a validation share. Absent in runs saved before it existed: 0.
   */
  earlyStoppingPatience?: number;
  batchSize: number;
  maxLen: number;
  weightDecay: number;
  warmupRatio: number;
  valSize: number;
  testSize: number;
  seed: number;
  /** Checkpoint every this many steps (besides each epoch's end and a stop). */
  saveSteps: number;
}

/** The columns a data file is read with, and how its labels are read. */
export type LabelColumns = Pick<RunSettings, 'textColumn' | 'labelColumn' | 'multiLabel' | 'labelSeparator'>;

export type Request =
  | { type: 'hello' }
  | { type: 'load-model'; choice: ModelChoice }
  | { type: 'read-data'; name: string; bytes: ArrayBuffer }
  | { type: 'classes'; columns: LabelColumns }
  | { type: 'train'; settings: RunSettings }
  | { type: 'resume' }
  | { type: 'discard' }
  | { type: 'stop' }
  | { type: 'predict'; texts: string[] }
  | { type: 'adapter' };

export interface Hello {
  threads: number;
  isolated: boolean;
  /** The kernels training runs on (web-kernels.ts). */
  kernels: WebKernelsKind;
  /** Whether they are the relaxed-SIMD build (fused multiply-add), which the browser validated. */
  fma: boolean;
  /** Why the WebAssembly kernels did not start, when `kernels` is `reference`. */
  kernelsFailure?: string;
  /** A run stopped (or cut off by a reload) that can be resumed. */
  saved: SavedRunSummary | null;
}

export interface SavedRunSummary {
  model: string;
  data: string;
  step: number;
  totalSteps: number;
  settings: RunSettings;
}

export interface ModelSummary {
  where: string;
  modelType: string;
  parameters: number;
  layers: string;
  defaultTargets: string[];
  maxLength: number;
}

export interface DataSummary {
  name: string;
  rows: number;
  columns: string[];
  /** The columns the CLI's readers would choose (null where they find none). */
  text: string | null;
  label: string | null;
  /** The first rows, for a preview. */
  sample: Record<string, string>[];
}

export interface ClassCounts {
  rows: number;
  skipped: number;
  /** Rows per class; for multi-label data, rows that carry each label. */
  counts: [label: string, count: number][];
  /** Multi-label data only: labels per row, on average. */
  labelsPerRow?: number;
}

export interface PredictionRow {
  text: string;
  label: string;
  /** Multi-label only: the labels whose probability reaches the threshold, most probable first. */
  labels?: string[];
  probs: number[];
  logits: number[];
}

export interface FinishedRun {
  labels: string[];
  test: Metrics;
  bestEpoch: number;
  /** Present when early stopping ended the run before its last epoch. */
  stoppedEarly?: { epoch: number; epochs: number };
  trainSeconds: number;
  examplesPerSecond: number;
}

/** Replies by request type. */
export interface Replies {
  hello: Hello;
  'load-model': ModelSummary;
  'read-data': DataSummary;
  classes: ClassCounts;
  train: TrainEnd;
  resume: TrainEnd;
  discard: null;
  stop: null;
  predict: { labels: string[]; multiLabel: boolean; rows: PredictionRow[] };
  adapter: { zip: ArrayBuffer; name: string };
}

/** How a training request ended: finished with results, or stopped with a checkpoint kept. */
export type TrainEnd = { finished: FinishedRun } | { stopped: { step: number; totalSteps: number } };

export type TrainEvent =
  | { event: 'started'; totalSteps: number; step: number; resumed: boolean; labels: string[] }
  | { event: 'progress'; progress: TrainProgress }
  | { event: 'epoch'; record: EpochRecord }
  | { event: 'evaluating'; split: 'val' | 'test'; done: number; total: number }
  | { event: 'checkpoint'; step: number }
  /** Said once when the kernels' memory made training or evaluation split its batches (memory-messages.ts). */
  | { event: 'memory'; line: string };

export type WorkerMessage =
  { id: number; ok: true; reply: unknown } | { id: number; ok: false; error: string } | TrainEvent;
