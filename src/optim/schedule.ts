import { UserError } from '../errors.js';

export type ScheduleKind = 'constant' | 'linear' | 'constant_with_warmup';

export const SCHEDULE_KINDS: readonly ScheduleKind[] = ['constant', 'linear', 'constant_with_warmup'];

export interface ScheduleOptions {
  kind: ScheduleKind;
  /** The peak learning rate. */
  lr: number;
  /** Optimizer steps of the whole run (the linear decay reaches 0 there). */
  totalSteps: number;
  warmupSteps?: number;
}

/**
 * A learning-rate schedule as Hugging Face's LambdaLR schedules define it: `lrAt(s)` is the rate of
 * the optimizer step taken after `s` completed steps (the first step uses `lrAt(0)`, which is 0 when
 * there is a warm-up, as in HF).
 */
export class LrSchedule {
  readonly kind: ScheduleKind;
  readonly lr: number;
  readonly totalSteps: number;
  readonly warmupSteps: number;

  constructor(options: ScheduleOptions) {
    if (!SCHEDULE_KINDS.includes(options.kind)) {
      throw new UserError(
        `Unknown learning-rate schedule "${options.kind}"; use one of ${SCHEDULE_KINDS.join(', ')}.`,
      );
    }
    this.kind = options.kind;
    this.lr = options.lr;
    this.totalSteps = options.totalSteps;
    this.warmupSteps = options.warmupSteps ?? 0;
    if (!Number.isInteger(this.warmupSteps) || this.warmupSteps < 0) {
      throw new UserError(`Warm-up steps must be a whole number of at least 0, not ${this.warmupSteps}.`);
    }
  }

  /** The multiplier of the peak rate after `step` completed steps. */
  factorAt(step: number): number {
    const warmup = this.warmupSteps;
    switch (this.kind) {
      case 'constant':
        return 1;
      case 'constant_with_warmup':
        return step < warmup ? step / Math.max(1, warmup) : 1;
      case 'linear':
        if (step < warmup) return step / Math.max(1, warmup);
        return Math.max(0, (this.totalSteps - step) / Math.max(1, this.totalSteps - warmup));
    }
  }

  lrAt(step: number): number {
    return this.lr * this.factorAt(step);
  }
}

/** HF's `get_warmup_steps`: an explicit count wins, else ⌈ratio · total⌉. */
export function warmupStepsFor(totalSteps: number, warmupRatio = 0, warmupSteps?: number): number {
  if (warmupSteps !== undefined && warmupSteps > 0) return warmupSteps;
  if (!(warmupRatio >= 0 && warmupRatio <= 1))
    throw new UserError(`The warm-up ratio must lie between 0 and 1, not ${warmupRatio}.`);
  return Math.ceil(totalSteps * warmupRatio);
}
