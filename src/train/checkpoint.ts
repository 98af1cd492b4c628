import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { readSafetensors, serializeSafetensors } from '../io/safetensors.js';
import type { StateDict } from '../io/state-dict.js';
import type { AdamWParamState, AdamWStateDict } from '../optim/adamw.js';
import type { EpochRecord } from './results.js';

/**
 * A checkpoint folder `checkpoint-<step>/`:
 *   model.safetensors      the trainable weights, by HF name
 *   optimizer.safetensors  AdamW's moments: `<name>.exp_avg`, `<name>.exp_avg_sq`
 *   best.safetensors       the trainable weights of the best epoch so far (when there is one)
 *   trainer_state.json     everything else (see TrainerState); written last
 * The folder is assembled under a hidden temporary name and renamed into place, so a folder named
 * `checkpoint-<step>` is always complete.
 */
const CHECKPOINT_PREFIX = 'checkpoint-';
const TEMP_PREFIX = '.tmp-checkpoint-';
const OLD_PREFIX = '.old-checkpoint-';
const STATE_FILE = 'trainer_state.json';
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

/**
 * Writes `checkpoint-<global_step>` under `outputDir` atomically, then keeps only the newest
 * `keep` checkpoints (all when keep is undefined or ≤ 0). Returns the folder's path.
 */
export function saveCheckpoint(outputDir: string, payload: CheckpointPayload, keep?: number): string {
  mkdirSync(outputDir, { recursive: true });
  removeLeftovers(outputDir);
  const step = payload.state.global_step;
  const finalDir = join(outputDir, `${CHECKPOINT_PREFIX}${step}`);
  const tempDir = join(outputDir, `${TEMP_PREFIX}${step}-${process.pid}`);
  rmSync(tempDir, { recursive: true, force: true });
  mkdirSync(tempDir);
  try {
    writeFileSync(
      join(tempDir, 'model.safetensors'),
      serializeSafetensors(payload.weights, { format: 'pt' }),
    );
    writeFileSync(
      join(tempDir, 'optimizer.safetensors'),
      serializeSafetensors(optimizerTensors(payload.optimizer)),
    );
    if (payload.best)
      writeFileSync(join(tempDir, 'best.safetensors'), serializeSafetensors(payload.best, { format: 'pt' }));
    writeFileSync(join(tempDir, STATE_FILE), `${JSON.stringify(payload.state)}\n`);
    if (existsSync(finalDir)) {
      // The same step saved again (a resumed run passing it once more): swap, never leaving a gap.
      const oldDir = join(outputDir, `${OLD_PREFIX}${step}-${process.pid}`);
      rmSync(oldDir, { recursive: true, force: true });
      renameSync(finalDir, oldDir);
      renameSync(tempDir, finalDir);
      rmSync(oldDir, { recursive: true, force: true });
    } else {
      renameSync(tempDir, finalDir);
    }
  } catch (error) {
    rmSync(tempDir, { recursive: true, force: true });
    throw error;
  }
  if (keep !== undefined && keep > 0) pruneCheckpoints(outputDir, keep);
  return finalDir;
}

/** The complete checkpoints under `outputDir`, oldest first, as [step, path]. */
export function listCheckpoints(outputDir: string): [number, string][] {
  if (!existsSync(outputDir)) return [];
  const found: [number, string][] = [];
  for (const entry of readdirSync(outputDir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const match = /^checkpoint-(\d+)$/.exec(entry.name);
    if (!match) continue;
    const dir = join(outputDir, entry.name);
    if (existsSync(join(dir, STATE_FILE))) found.push([Number(match[1]), dir]);
  }
  return found.sort((a, b) => a[0] - b[0]);
}

/** The newest complete checkpoint's folder, or null. */
export function latestCheckpoint(outputDir: string): string | null {
  // A crash between a swap's two renames leaves the only copy of a step under its old name: put it back.
  if (existsSync(outputDir)) removeLeftovers(outputDir);
  const all = listCheckpoints(outputDir);
  return all.length === 0 ? null : all[all.length - 1][1];
}

/** Deletes the checkpoint folder of a finished run, with every checkpoint and any half-written one in it. */
export function deleteCheckpoints(checkpointDir: string): void {
  rmSync(checkpointDir, { recursive: true, force: true });
}

/** Deletes all but the newest `keep` checkpoints. */
export function pruneCheckpoints(outputDir: string, keep: number): void {
  const all = listCheckpoints(outputDir);
  for (const [, dir] of all.slice(0, Math.max(0, all.length - keep)))
    rmSync(dir, { recursive: true, force: true });
}

export function loadCheckpoint(dir: string): CheckpointContents {
  const statePath = join(dir, STATE_FILE);
  if (!existsSync(statePath))
    throw new UserError(`${dir} is not a complete LoRA Lab checkpoint: it has no ${STATE_FILE}.`);
  let state: TrainerState;
  try {
    state = JSON.parse(readFileSync(statePath, 'utf8')) as TrainerState;
  } catch (error) {
    throw new UserError(`The checkpoint state ${statePath} is not valid JSON (${(error as Error).message}).`);
  }
  if (state.format !== FORMAT) {
    throw new UserError(
      `${statePath} has format ${JSON.stringify(state.format)}; this version of LoRA Lab reads ${FORMAT}.`,
    );
  }
  const weights = readSafetensors(join(dir, 'model.safetensors')).tensors;
  const moments = readSafetensors(join(dir, 'optimizer.safetensors')).tensors;
  const params = new Map<string, AdamWParamState>();
  for (const [name, step] of Object.entries(state.optimizer.param_steps)) {
    const m = moments.get(`${name}.exp_avg`);
    const v = moments.get(`${name}.exp_avg_sq`);
    if (!m || !v) throw new UserError(`The checkpoint ${dir} lacks the optimizer moments of ${name}.`);
    params.set(name, { step, m: m.data, v: v.data });
  }
  const bestPath = join(dir, 'best.safetensors');
  const best = existsSync(bestPath) ? readSafetensors(bestPath).tensors : null;
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

/** Half-written folders of a run that died mid-save; they are never read, only cleared. */
function removeLeftovers(outputDir: string): void {
  for (const name of readdirSync(outputDir)) {
    if (name.startsWith(OLD_PREFIX)) {
      // A swap cut short between its two renames: the old copy is still the only one of its step.
      const step = /^\.old-checkpoint-(\d+)-/.exec(name)?.[1];
      const target = step === undefined ? null : join(outputDir, `${CHECKPOINT_PREFIX}${step}`);
      if (target && !existsSync(target)) renameSync(join(outputDir, name), target);
      else rmSync(join(outputDir, name), { recursive: true, force: true });
    } else if (name.startsWith(TEMP_PREFIX)) {
      rmSync(join(outputDir, name), { recursive: true, force: true });
    }
  }
}

export { FORMAT as CHECKPOINT_FORMAT };
