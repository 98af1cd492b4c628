import { CHECKPOINT_FORMAT, type TrainerState } from './checkpoint-format.js';
import type { EpochRecord } from './results.js';

/**
 * Where a training run stands between two steps: the counters, the epoch's order and sums, the
 * history and the best epoch so far. Everything a checkpoint's trainer_state.json records of the run
 * itself (the rest is the random generator, the optimizer and the schedule).
 */
export class RunPosition {
  /** Optimizer steps completed. */
  globalStep = 0;
  /** 0-based epoch in progress. */
  epoch = 0;
  batchInEpoch = 0;
  /** The epoch's shuffled example indices; null until it begins. */
  order: number[] | null = null;
  epochLossSum = 0;
  epochLossBatches = 0;
  epochSeconds = 0;
  history: EpochRecord[] = [];
  best: { epoch: number; f1_weighted: number } | null = null;
  trainSeconds = 0;
  trainExamples = 0;

  /** The position a checkpoint recorded: after a complete epoch, the next one begins afresh. */
  static resumed(s: TrainerState): RunPosition {
    const p = new RunPosition();
    p.globalStep = s.global_step;
    p.history = s.history;
    p.best = s.best;
    p.trainSeconds = s.train_seconds;
    p.trainExamples = s.train_examples;
    if (s.epoch_complete) {
      p.epoch = s.epoch + 1;
    } else {
      p.epoch = s.epoch;
      p.batchInEpoch = s.batch_in_epoch;
      p.order = s.epoch_order;
      p.epochLossSum = s.epoch_loss_sum;
      p.epochLossBatches = s.epoch_loss_batches;
      p.epochSeconds = s.epoch_seconds;
    }
    return p;
  }

  /** An epoch begins with its order of examples and its sums at zero. */
  beginEpoch(order: number[]): void {
    this.order = order;
    this.batchInEpoch = 0;
    this.epochLossSum = 0;
    this.epochLossBatches = 0;
    this.epochSeconds = 0;
  }

  /** A step of `examples` examples took `seconds` and gave `loss`. */
  stepDone(loss: number, examples: number, seconds: number): void {
    this.globalStep++;
    this.batchInEpoch++;
    this.epochLossSum += loss;
    this.epochLossBatches++;
    this.trainSeconds += seconds;
    this.epochSeconds += seconds;
    this.trainExamples += examples;
  }

  /** The epoch's mean training loss (0 before its first step). */
  epochLoss(): number {
    return this.epochLossBatches > 0 ? this.epochLossSum / this.epochLossBatches : 0;
  }

  /** Whether `f1` (the epoch's validation F1) is the best so far; if so it is recorded as such. */
  isBest(epoch: number, f1: number): boolean {
    if (this.best === null || f1 > this.best.f1_weighted) {
      this.best = { epoch, f1_weighted: f1 };
      return true;
    }
    return false;
  }

  /** The epoch is recorded: the next one will shuffle anew. */
  endEpoch(record: EpochRecord): void {
    this.history.push(record);
    this.order = null;
  }

  /** Epochs since the best one reach `patience` (0: never), counted from the history so that a resumed run counts on. */
  patienceRunOut(patience: number): boolean {
    return (
      patience > 0 &&
      this.best !== null &&
      this.history.length > 0 &&
      this.history[this.history.length - 1].epoch - this.best.epoch >= patience
    );
  }

  /** trainer_state.json at a step boundary or (`epochComplete`) an epoch's end, with the rest of the run's state. */
  record(
    epochComplete: boolean,
    rest: Pick<TrainerState, 'rng_state' | 'optimizer' | 'schedule' | 'fingerprint'>,
  ): TrainerState {
    return {
      format: CHECKPOINT_FORMAT,
      global_step: this.globalStep,
      epoch: this.epoch,
      batch_in_epoch: this.batchInEpoch,
      epoch_complete: epochComplete,
      epoch_order: epochComplete ? null : this.order,
      epoch_loss_sum: this.epochLossSum,
      epoch_loss_batches: this.epochLossBatches,
      epoch_seconds: this.epochSeconds,
      rng_state: rest.rng_state,
      history: this.history,
      best: this.best,
      optimizer: rest.optimizer,
      schedule: rest.schedule,
      train_seconds: this.trainSeconds,
      train_examples: this.trainExamples,
      fingerprint: rest.fingerprint,
    };
  }
}
