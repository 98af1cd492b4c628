import { UserError } from '../errors.js';
import type { StateDict } from '../io/state-dict.js';
import { countParameters } from '../nn/module.js';
import { AdamW } from '../optim/adamw.js';
import { LrSchedule, warmupStepsFor, type ScheduleKind } from '../optim/schedule.js';
import type { Rng } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import { rngStateFromJson, rngStateToJson, type CheckpointContents } from './checkpoint-format.js';
import { folderCheckpoints } from './checkpoint-folder.js';
import type { CheckpointStore } from './checkpoint-store.js';
import {
  checkGradientAccumulationSteps,
  microBatchRecord,
  MicroBatching,
  type MicroBatchSplit,
} from './micro-batches.js';
import { updateWeights } from './update-weights.js';
import { RunPosition } from './run-position.js';
import { InferencePieces } from './inference-pieces.js';
import type { InferenceSplit } from './memory-messages.js';
import { abortReason, TrainingDiverged, TrainingInterrupted } from './training-errors.js';
import { evaluate, type ClassifierModel, type Collate } from './evaluate.js';
import { kernelsRecord, type EpochRecord, type Method, type Metrics, type RunResults } from './results.js';
import { kernels } from '../kernels/active.js';

export { TrainingDiverged, TrainingInterrupted } from './training-errors.js';

/** Reported after every optimizer step. Throwing from the callback stops the run (checkpoints stay). */
export interface TrainProgress {
  /** Optimizer steps done, over the whole run (a resumed run continues the count). */
  step: number;
  totalSteps: number;
  /** 1-based epoch and its batch. */
  epoch: number;
  epochs: number;
  batch: number;
  batchesPerEpoch: number;
  /** This batch's mean loss (cross-entropy; binary cross-entropy for multi-label examples). */
  loss: number;
  /** The learning rate this step used. */
  lr: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
  /** Training throughput since this call started (evaluation excluded). */
  examplesPerSecond: number;
}

/** What the run is, for results.json (copied through unchanged). */
export interface RunInfo {
  method: Method;
  /** Display name, e.g. "bert-tiny + LoRA (r=8)". */
  name: string;
  /** Free-form settings to record (max length, LoRA config, …); the trainer adds its own. */
  config?: Record<string, unknown>;
  data_source?: string;
  base_model?: string;
  threads?: number;
}

export interface TrainOptions<E> {
  /** The classifier; its parameters with `requiresGrad` are the ones trained (freeze the rest first). */
  model: ClassifierModel;
  /** Class names, index = label id (the order of the label map). */
  labels: readonly string[];
  /** Tokenized examples; `collate` turns a list of them into a padded batch. */
  train: readonly E[];
  /** When given, evaluated after every epoch; the epoch with the best weighted F1 is kept. */
  val?: readonly E[] | null;
  /** Evaluated once, at the end, with the kept weights. */
  test: readonly E[];
  collate: Collate<E>;
  /** Multi-label examples: a label counts as predicted when its sigmoid probability reaches this (default 0.5). */
  threshold?: number;

  epochs: number;
  /** Examples per optimizer step. */
  batchSize: number;
  /**
   * Run each batch as this many micro-batches (sizes differing by at most one), their gradients
   * weighted and summed: the same update as the whole batch within rounding, with a fraction of its
   * activation memory (default 1). The trainer raises it by itself for a batch the kernels' memory
   * cannot hold (see onMicroBatchSplit). With dropout the masks drawn differ from the unsplit run's.
   */
  gradientAccumulationSteps?: number;
  /** Batch size of evaluation (default: batchSize). */
  evalBatchSize?: number;
  /** Stops after this many optimizer steps when > 0 (HF's max_steps: it overrides epochs). */
  maxSteps?: number;
  /**
   * Stops training once the validation weighted F1 (what the best epoch is chosen by) has not improved
   * for this many epochs in a row (HF's EarlyStoppingCallback with threshold 0); the best epoch's
   * weights are kept and tested as ever, and the learning-rate schedule stays that of all the epochs,
   * so the epochs run are those of the full run bit for bit. 0/absent: off. Needs a validation split.
   */
  earlyStoppingPatience?: number;

  /** Peak learning rate. */
  lr: number;
  /** AdamW's decoupled weight decay (default 0.01). */
  weightDecay?: number;
  /** Parameters exempt from weight decay (default none, as torch.optim.AdamW(model.parameters())); see hfNoDecay. */
  noDecay?: (name: string) => boolean;
  betas?: readonly [number, number];
  eps?: number;
  /** Default 'constant'. */
  schedule?: ScheduleKind;
  /** Fraction of all steps spent warming up, rounded up (HF's warmup_ratio); default 0. */
  warmupRatio?: number;
  /** An explicit warm-up step count; overrides warmupRatio when > 0. */
  warmupSteps?: number;
  /** Clip the global gradient norm to this (HF's max_grad_norm); default: no clipping. */
  maxGradNorm?: number | null;

  /**
   * The run's one generator: it shuffles each epoch and must be the generator the model's dropout
   * draws from (the one the model was built with), so that a checkpoint's saved state covers both.
   */
  rng: Rng;
  /** The seed `rng` was made from, recorded in results.json and checked on resume. */
  seed: number;

  /** Folder for `checkpoint-<step>/` folders; no checkpoints when absent (and no `checkpoints`). */
  checkpointDir?: string;
  /** Where to keep checkpoints instead of a folder (memoryCheckpoints in a browser). */
  checkpoints?: CheckpointStore;
  /** Also checkpoint every this many optimizer steps (0/absent: only at the end of each epoch). */
  saveSteps?: number;
  /** Keep only the newest this many checkpoints (0/absent: keep all). */
  saveTotalLimit?: number;
  /**
   * Continue from a checkpoint: true = the newest complete one in the checkpoint store (an error when
   * there is none), a string = that checkpoint (a folder's path, or a store's id). The other options must match the interrupted run.
   */
  resume?: boolean | string;
  /**
   * A fresh run refuses a checkpointDir that already holds checkpoints (a later resume would mix two
   * runs); true deletes them first.
   */
  overwriteCheckpoints?: boolean;

  /** When aborted, the run checkpoints at the next step boundary and throws TrainingInterrupted. */
  signal?: AbortSignal;
  onProgress?: (progress: TrainProgress) => void;
  /** After each epoch's evaluation, with its history record. */
  onEpochEnd?: (record: EpochRecord) => void;
  /** Called when a checkpoint has been written. */
  onCheckpoint?: (dir: string, step: number) => void;
  /** When a batch did not fit in the kernels' memory and every step now runs as more micro-batches. */
  onMicroBatchSplit?: (split: MicroBatchSplit) => void;
  /** When an evaluation batch did not fit in the kernels' memory and evaluations now run it in pieces. */
  onInferenceSplit?: (split: InferenceSplit) => void;
  /** During evaluations: split, examples done, total. */
  onEvalProgress?: (split: 'val' | 'test', done: number, total: number) => void;

  run: RunInfo;
}

/**
 * Fine-tunes (or trains from scratch) a sequence classifier with AdamW: per epoch a seeded shuffle,
 * forward, cross-entropy, backward, optional clipping, an update; then validation when there is a
 * validation split. The best epoch's trainable weights (by validation weighted F1; the last epoch
 * without validation) are put back at the end, and the test split is evaluated once.
 *
 * Determinism: the same options and seed give the same weights and metrics bit for bit, including
 * across an interruption and `resume`.
 */
export function trainClassifier<E>(options: TrainOptions<E>): RunResults {
  const steps = trainingSteps(options);
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
  }
}

/**
 * trainClassifier that gives the event loop a turn after every optimizer step, so that a signal
 * handler (Ctrl-C aborting `signal`), timers and I/O run during a long training: a synchronous loop
 * would only see them once the whole run is over.
 */
export async function trainClassifierAsync<E>(options: TrainOptions<E>): Promise<RunResults> {
  const steps = trainingSteps(options);
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
    await nextTurn();
  }
}

/** A turn of the event loop: setImmediate in Node; a browser, which has none, takes a zero timeout. */
function nextTurn(): Promise<void> {
  return new Promise<void>((resolve) =>
    typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0),
  );
}

/** The training run, pausing (yield) after each step and each epoch's checkpoint; see trainClassifier. */
function* trainingSteps<E>(options: TrainOptions<E>): Generator<undefined, RunResults, undefined> {
  const o = normalise(options);
  const { model, rng } = o;
  const params: [string, Tensor][] = [...model.namedParameters()].filter(([, p]) => p.requiresGrad);
  if (params.length === 0)
    throw new UserError('The model has no trainable parameters; nothing would be trained.');
  const paramList = params.map(([, p]) => p);
  const n = o.train.length;
  const batchesPerEpoch = Math.ceil(n / o.batchSize);
  const totalSteps = o.maxSteps > 0 ? o.maxSteps : batchesPerEpoch * o.epochs;
  const epochs = o.maxSteps > 0 ? Math.ceil(o.maxSteps / batchesPerEpoch) : o.epochs;
  const schedule = new LrSchedule({
    kind: o.schedule,
    lr: o.lr,
    totalSteps,
    warmupSteps: warmupStepsFor(totalSteps, o.warmupRatio, o.warmupSteps),
  });
  const microBatching = new MicroBatching(o.gradientAccumulationSteps, o.onMicroBatchSplit);
  const optimizer = new AdamW(params, {
    lr: o.lr,
    weightDecay: o.weightDecay,
    betas: o.betas,
    eps: o.eps,
    noDecay: o.noDecay,
  });
  // What results.json records of the run, and (with the seed and the trainable set) what a checkpoint
  // must agree with to be resumed.
  const settings = {
    epochs: o.epochs,
    batch_size: o.batchSize,
    max_steps: o.maxSteps,
    lr: o.lr,
    weight_decay: o.weightDecay,
    schedule: o.schedule,
    warmup_steps: schedule.warmupSteps,
    max_grad_norm: o.maxGradNorm,
    train_examples: n,
    val_examples: o.val?.length ?? 0,
  };
  // Recorded apart from `settings`: a checkpoint may be resumed with another patience.
  const patienceRecord =
    o.earlyStoppingPatience > 0 ? { early_stopping_patience: o.earlyStoppingPatience } : {};
  const fingerprint = {
    seed: o.seed,
    ...settings,
    trainable: params.map(([name, p]) => `${name}:${p.size}`).join(','),
  };

  let bestWeights: StateDict | null = null;
  let lastCheckpoint: string | null = null;
  let run = new RunPosition();

  const store = o.checkpoints ?? (o.checkpointDir ? folderCheckpoints(o.checkpointDir) : null);
  const resumeFrom = resolveResume(o, store);
  if (resumeFrom) {
    // A checkpoint named by its folder may lie outside this run's checkpoint folder.
    const ckpt = (store ?? folderCheckpoints(resumeFrom)).load(resumeFrom);
    checkFingerprint(ckpt, fingerprint);
    restoreWeights(params, ckpt.weights, ckpt.dir);
    optimizer.loadStateDict(ckpt.optimizer);
    rng.setState(rngStateFromJson(ckpt.state.rng_state));
    run = RunPosition.resumed(ckpt.state);
    bestWeights = ckpt.best;
    lastCheckpoint = ckpt.dir;
  } else if (store && store.list().length > 0) {
    if (!o.overwriteCheckpoints) {
      throw new UserError(
        `The checkpoint folder ${store.where} already holds checkpoints of an earlier run; resume it, delete them, or choose another folder.`,
      );
    }
    store.prune(0);
  }

  const snapshot = (): StateDict => {
    const out: StateDict = new Map();
    for (const [name, p] of params) out.set(name, { shape: [...p.shape], data: p.data.slice() });
    return out;
  };

  const checkpoint = (epochComplete: boolean): string | null => {
    if (!store) return null;
    const opt = optimizer.stateDict();
    const paramSteps: Record<string, number> = {};
    for (const [name, s] of opt.params) paramSteps[name] = s.step;
    const state = run.record(epochComplete, {
      rng_state: rngStateToJson(rng.getState()),
      optimizer: { step: opt.step, param_steps: paramSteps },
      schedule: {
        kind: schedule.kind,
        lr: schedule.lr,
        total_steps: totalSteps,
        warmup_steps: schedule.warmupSteps,
      },
      fingerprint,
    });
    const dir = store.save(
      { state, weights: snapshot(), optimizer: opt, best: bestWeights },
      o.saveTotalLimit,
    );
    lastCheckpoint = dir;
    o.onCheckpoint?.(dir, run.globalStep);
    return dir;
  };

  // One for the run: a batch size that fitted in validation is kept for the next and for the test.
  const pieces = new InferencePieces(o.onInferenceSplit);
  const evalOptions = (split: 'val' | 'test') => ({
    batchSize: o.evalBatchSize,
    pieces,
    collate: o.collate,
    labels: o.labels,
    threshold: o.threshold,
    onProgress: o.onEvalProgress
      ? (done: number, total: number) => o.onEvalProgress!(split, done, total)
      : undefined,
  });

  const stopEarly = (): boolean => run.patienceRunOut(o.earlyStoppingPatience);

  const sessionStart = { seconds: run.trainSeconds, examples: run.trainExamples };
  for (; run.epoch < epochs && run.globalStep < totalSteps && !stopEarly(); run.epoch++) {
    if (run.order === null) run.beginEpoch(rng.shuffle(Array.from({ length: n }, (_, i) => i)));
    const order = run.order!;
    model.train();
    while (run.batchInEpoch < batchesPerEpoch && run.globalStep < totalSteps) {
      const t0 = performance.now();
      const indices = order.slice(run.batchInEpoch * o.batchSize, (run.batchInEpoch + 1) * o.batchSize);
      const lr = schedule.lrAt(run.globalStep);
      const lossValue = microBatching.run(
        model,
        indices.length,
        (start, end) => o.collate(indices.slice(start, end).map((i) => o.train[i])),
        paramList,
        rng,
      );
      const diverged = (what: string) =>
        new TrainingDiverged(run.globalStep + 1, what, lastCheckpoint, store?.where);
      const norm = updateWeights(optimizer, paramList, lossValue, lr, o.maxGradNorm, diverged);
      run.stepDone(lossValue, indices.length, (performance.now() - t0) / 1000);

      const epochEnds = run.batchInEpoch === batchesPerEpoch || run.globalStep === totalSteps;
      let saved = false;
      if (!epochEnds && o.saveSteps > 0 && run.globalStep % o.saveSteps === 0) {
        checkpoint(false);
        saved = true;
      }
      const sessionSeconds = run.trainSeconds - sessionStart.seconds;
      o.onProgress?.({
        step: run.globalStep,
        totalSteps,
        epoch: run.epoch + 1,
        epochs,
        batch: run.batchInEpoch,
        batchesPerEpoch,
        loss: lossValue,
        lr,
        gradNorm: norm,
        examplesPerSecond:
          sessionSeconds > 0 ? (run.trainExamples - sessionStart.examples) / sessionSeconds : 0,
      });
      yield;
      if (o.signal?.aborted && !epochEnds) {
        throw new TrainingInterrupted(
          run.globalStep,
          saved ? lastCheckpoint : checkpoint(false),
          abortReason(o.signal),
        );
      }
    }

    // End of the epoch: validate, record, keep the best weights, checkpoint.
    const record: EpochRecord = { epoch: run.epoch + 1, train_loss: run.epochLoss(), seconds: 0 };
    const tEval = performance.now();
    if (o.val && o.val.length > 0) {
      const m = evaluate(model, o.val, evalOptions('val'));
      record.val = { accuracy: m.accuracy, f1_weighted: m.f1_weighted, f1_macro: m.f1_macro, loss: m.loss };
      if (m.multi_label) record.val.f1_micro = m.multi_label.f1_micro;
      if (run.isBest(run.epoch + 1, m.f1_weighted)) bestWeights = snapshot();
    }
    record.seconds = run.epochSeconds + (performance.now() - tEval) / 1000;
    run.endEpoch(record);
    o.onEpochEnd?.(record);
    const dir = checkpoint(true);
    yield;
    if (o.signal?.aborted && run.epoch + 1 < epochs && run.globalStep < totalSteps && !stopEarly()) {
      throw new TrainingInterrupted(run.globalStep, dir, abortReason(o.signal));
    }
  }

  // Keep the best epoch's weights (without validation: the last epoch's, already in place).
  const history = run.history;
  let bestEpoch = history.length > 0 ? history[history.length - 1].epoch : 0;
  if (run.best && bestWeights) {
    restoreWeights(params, bestWeights, 'the best epoch');
    bestEpoch = run.best.epoch;
  }

  // Fewer epochs than planned can only mean early stopping (an interruption throws).
  const stoppedEarly = history.length < epochs && stopEarly();

  const tTest = performance.now();
  const test: Metrics = evaluate(model, o.test, evalOptions('test'));
  const evalSeconds = (performance.now() - tTest) / 1000;

  return {
    method: o.run.method,
    name: o.run.name,
    seed: o.seed,
    trainable_params: countParameters(model, true),
    total_params: countParameters(model),
    config: {
      ...o.run.config,
      ...settings,
      ...microBatchRecord(o.gradientAccumulationSteps, microBatching.microBatches),
      ...patienceRecord,
      total_steps: totalSteps,
      test_examples: o.test.length,
    },
    max_steps: o.maxSteps,
    stopped_at_max_steps: o.maxSteps > 0 && o.maxSteps < batchesPerEpoch * o.epochs,
    ...(stoppedEarly ? { stopped_early: { epoch: history[history.length - 1].epoch, epochs } } : {}),
    history,
    best_epoch: bestEpoch,
    test,
    timing: {
      train_seconds: run.trainSeconds,
      eval_seconds: evalSeconds,
      train_examples_per_second: run.trainSeconds > 0 ? run.trainExamples / run.trainSeconds : 0,
      eval_examples_per_second: evalSeconds > 0 ? o.test.length / evalSeconds : 0,
    },
    ...(o.run.data_source !== undefined ? { data_source: o.run.data_source } : {}),
    ...(o.run.base_model !== undefined ? { base_model: o.run.base_model } : {}),
    ...(o.run.threads !== undefined ? { threads: o.run.threads } : {}),
    kernels: kernelsRecord(kernels()),
    created_at: new Date().toISOString(),
  };
}

interface Normalised<E> extends TrainOptions<E> {
  evalBatchSize: number;
  maxSteps: number;
  weightDecay: number;
  betas: readonly [number, number];
  eps: number;
  schedule: ScheduleKind;
  warmupRatio: number;
  maxGradNorm: number | null;
  saveSteps: number;
  gradientAccumulationSteps: number;
  earlyStoppingPatience: number;
}

function normalise<E>(options: TrainOptions<E>): Normalised<E> {
  const o: Normalised<E> = {
    ...options,
    evalBatchSize: options.evalBatchSize ?? options.batchSize,
    maxSteps: options.maxSteps ?? 0,
    weightDecay: options.weightDecay ?? 0.01,
    betas: options.betas ?? [0.9, 0.999],
    eps: options.eps ?? 1e-8,
    schedule: options.schedule ?? 'constant',
    warmupRatio: options.warmupRatio ?? 0,
    maxGradNorm: options.maxGradNorm ?? null,
    saveSteps: options.saveSteps ?? 0,
    gradientAccumulationSteps: options.gradientAccumulationSteps ?? 1,
    earlyStoppingPatience: options.earlyStoppingPatience ?? 0,
  };
  const wholeAtLeast = (what: string, v: number, min: number): void => {
    if (!Number.isInteger(v) || v < min)
      throw new UserError(`${what} must be a whole number of at least ${min}, not ${v}.`);
  };
  wholeAtLeast('The batch size', o.batchSize, 1);
  wholeAtLeast('The evaluation batch size', o.evalBatchSize, 1);
  wholeAtLeast('The number of epochs', o.epochs, o.maxSteps > 0 ? 0 : 1);
  wholeAtLeast('The maximum number of steps', o.maxSteps, 0);
  wholeAtLeast('The checkpoint interval (save steps)', o.saveSteps, 0);
  checkGradientAccumulationSteps(o.gradientAccumulationSteps, o.batchSize);
  wholeAtLeast('The early-stopping patience', o.earlyStoppingPatience, 0);
  if (o.earlyStoppingPatience > 0 && !(o.val && o.val.length > 0)) {
    throw new UserError(
      'Early stopping watches the validation F1, and this run has no validation split; give it one or leave out the early-stopping patience.',
    );
  }
  if (o.saveTotalLimit !== undefined) wholeAtLeast('The number of checkpoints to keep', o.saveTotalLimit, 0);
  if (!(o.lr > 0 && Number.isFinite(o.lr)))
    throw new UserError(`The learning rate must be a positive number, not ${o.lr}.`);
  if (o.maxGradNorm !== null && !(o.maxGradNorm > 0)) {
    throw new UserError(`The gradient-clipping norm must be a positive number, not ${o.maxGradNorm}.`);
  }
  if (o.train.length === 0) throw new UserError('The training split is empty; there is nothing to train on.');
  if (o.test.length === 0) throw new UserError('The test split is empty; there is nothing to evaluate.');
  if (o.resume === true && !o.checkpointDir && !o.checkpoints)
    throw new UserError('Resuming needs the checkpoint folder of the interrupted run.');
  return o;
}

function resolveResume<E>(o: Normalised<E>, store: CheckpointStore | null): string | null {
  if (!o.resume) return null;
  if (typeof o.resume === 'string') return o.resume;
  const dir = store!.latest();
  if (!dir) throw new UserError(`There is no complete checkpoint in ${store!.where} to resume from.`);
  return dir;
}

function checkFingerprint(ckpt: CheckpointContents, current: Record<string, unknown>): void {
  const saved = ckpt.state.fingerprint;
  for (const [key, value] of Object.entries(current)) {
    if (JSON.stringify(saved[key]) !== JSON.stringify(value)) {
      const what =
        key === 'trainable'
          ? 'a different set of trainable parameters'
          : `${key} = ${JSON.stringify(saved[key])}`;
      const now = key === 'trainable' ? 'this model' : `this run has ${JSON.stringify(value)}`;
      throw new UserError(
        `The checkpoint ${ckpt.dir} was written with ${what}, but ${now}; resume with the interrupted run's settings or start afresh.`,
      );
    }
  }
}

function restoreWeights(params: readonly [string, Tensor][], weights: StateDict, source: string): void {
  for (const [name, p] of params) {
    const w = weights.get(name);
    if (!w || w.data.length !== p.size) {
      throw new UserError(`The weights of ${source} lack ${name} or have another shape than the model's.`);
    }
    p.data.set(w.data);
  }
}
