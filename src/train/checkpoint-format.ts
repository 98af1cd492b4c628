import { UserError } from '../errors.js';
import { parseSafetensors, serializeSafetensors } from '../io/safetensors-format.js';
import type { StateDict } from '../io/state-dict.js';
import type { AdamWParamState, AdamWStateDict } from '../optim/adamw.js';
import type { EpochRecord } from './results.js';

/**
 * A checkpoint's files, wherever they are kept (a folder: checkpoint.ts; memory or a browser's
 * storage: checkpoint-store.ts):
 *   model.safetensors      the trainable weights, by HF name
 *   optimizer.safetensors  AdamW's moments: `<name>.exp_avg`, `<name>.exp_avg_sq`
 *   best.safetensors       the trainable weights of the best epoch so far (when there is one)
 *   trainer_state.json     everything else (see TrainerState); written last
 */
export const STATE_FILE = 'trainer_state.json';
const FORMAT = 'lora-lab-checkpoint/1';

/** What a run needs, beyond tensors, to continue exactly where it stopped. */
export interface TrainerState {
  format: typeof FORMAT;
  /** Optimizer steps completed. */
  global_step: number;
  /** 0-based index of the epoch the position refers to. */
  epoch: number;
  /** Batches of `epoch` already trained. */
  batch_in_epoch: number;
  /** True when `epoch` is finished (evaluated, recorded): a resumed run starts epoch + 1. */
  epoch_complete: boolean;
  /** The shuffled example indices of `epoch` (null once the epoch is complete). */
  epoch_order: number[] | null;
  /** Sum and count of the batch losses of `epoch` so far, for its mean train loss. */
  epoch_loss_sum: number;
  epoch_loss_batches: number;
  epoch_seconds: number;
  /** `Rng.getState()`; NaN (no spare normal) is stored as null, since JSON has no NaN. */
  rng_state: (number | null)[];
  history: EpochRecord[];
  /** 1-based best epoch and its validation weighted F1, or null before any evaluation. */
  best: { epoch: number; f1_weighted: number } | null;
  /** AdamW's step count and each parameter's own count (the moments are in optimizer.safetensors). */
  optimizer: { step: number; param_steps: Record<string, number> };
  schedule: { kind: string; lr: number; total_steps: number; warmup_steps: number };
  train_seconds: number;
  train_examples: number;
  /** The settings that must match for a resume to be exact (seed, batch size, data sizes, …). */
  fingerprint: Record<string, unknown>;
}

export interface CheckpointContents {
  dir: string;
  state: TrainerState;
  weights: StateDict;
  optimizer: AdamWStateDict;
  best: StateDict | null;
}

export interface CheckpointPayload {
  state: TrainerState;
  weights: StateDict;
  optimizer: AdamWStateDict;
  best: StateDict | null;
}

export function rngStateToJson(state: readonly number[]): (number | null)[] {
  return state.map((v) => (Number.isNaN(v) ? null : v));
}

export function rngStateFromJson(state: readonly (number | null)[]): number[] {
  return state.map((v) => (v === null ? Number.NaN : v));
}

/** The files of a checkpoint, in the order they are written (the state last: it marks a complete one). */
export function checkpointFiles(payload: CheckpointPayload): [name: string, bytes: Uint8Array | string][] {
  const files: [string, Uint8Array | string][] = [
    ['model.safetensors', serializeSafetensors(payload.weights, { format: 'pt' })],
    ['optimizer.safetensors', serializeSafetensors(optimizerTensors(payload.optimizer))],
  ];
  if (payload.best) files.push(['best.safetensors', serializeSafetensors(payload.best, { format: 'pt' })]);
  files.push([STATE_FILE, `${JSON.stringify(payload.state)}\n`]);
  return files;
}

/** What `readCheckpoint` reads a checkpoint's files through. */
export interface CheckpointFileReader {
  /** A file's path, for messages. */
  pathOf(name: string): string;
  /** The file's bytes, or null when there is none. */
  read(name: string): Uint8Array | null;
}

/** Reads the checkpoint `dir` (its name in messages and in the result) from its files. */
export function readCheckpoint(dir: string, files: CheckpointFileReader): CheckpointContents {
  const statePath = files.pathOf(STATE_FILE);
  const stateBytes = files.read(STATE_FILE);
  if (!stateBytes)
    throw new UserError(`${dir} is not a complete LoRA Lab checkpoint: it has no ${STATE_FILE}.`);
  let state: TrainerState;
  try {
    state = JSON.parse(new TextDecoder('utf-8', { ignoreBOM: true }).decode(stateBytes)) as TrainerState;
  } catch (error) {
    throw new UserError(`The checkpoint state ${statePath} is not valid JSON (${(error as Error).message}).`);
  }
  if (state.format !== FORMAT) {
    throw new UserError(
      `${statePath} has format ${JSON.stringify(state.format)}; this version of LoRA Lab reads ${FORMAT}.`,
    );
  }
  const tensorsOf = (name: string): StateDict | null => {
    const bytes = files.read(name);
    return bytes ? parseSafetensors(bytes, files.pathOf(name)).tensors : null;
  };
  const missing = (name: string): never => {
    throw new UserError(`There is no file at ${files.pathOf(name)}.`);
  };
  const weights = tensorsOf('model.safetensors') ?? missing('model.safetensors');
  const moments = tensorsOf('optimizer.safetensors') ?? missing('optimizer.safetensors');
  const params = new Map<string, AdamWParamState>();
  for (const [name, step] of Object.entries(state.optimizer.param_steps)) {
    const m = moments.get(`${name}.exp_avg`);
    const v = moments.get(`${name}.exp_avg_sq`);
    if (!m || !v) throw new UserError(`The checkpoint ${dir} lacks the optimizer moments of ${name}.`);
    params.set(name, { step, m: m.data, v: v.data });
  }
  const best = tensorsOf('best.safetensors');
  return { dir, state, weights, optimizer: { step: state.optimizer.step, params }, best };
}

function optimizerTensors(optimizer: AdamWStateDict): StateDict {
  const out: StateDict = new Map();
  for (const [name, s] of optimizer.params) {
    out.set(`${name}.exp_avg`, { shape: [s.m.length], data: s.m });
    out.set(`${name}.exp_avg_sq`, { shape: [s.v.length], data: s.v });
  }
  return out;
}

export { FORMAT as CHECKPOINT_FORMAT };
