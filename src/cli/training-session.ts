import type { TrainProgress } from '../train/trainer.js';
import type { StudyProgress } from '../experiments/study-clock.js';
import { exitOnSecondInterrupt, INTERRUPT_SIGNALS, type InterruptSignal } from './failure.js';
import { createProgress, formatSeconds, type Progress } from './progress.js';

export interface TrainingSession {
  progress: Progress;
  /** Aborted by the first Ctrl-C: the trainer checkpoints at the next step boundary and stops. */
  signal: AbortSignal;
  /** Starts a new bar for the next training (label shown in front of it). */
  beginTraining(label: string): void;
  /** The trainer's onProgress; within a study, also where the whole study stands. */
  onProgress(p: TrainProgress, study?: StudyProgress): void;
}

/**
 * Progress and interrupt handling shared by the commands that train: the first Ctrl-C (SIGINT) or
 * SIGTERM (a service manager, `kill`, a container stopping) asks for a checkpoint and a clean stop, a
 * second one quits at once.
 */
export async function withTrainingSession<T>(
  options: { quiet?: boolean; interruptMessage: string },
  fn: (session: TrainingSession) => Promise<T>,
): Promise<T> {
  const progress = createProgress({ quiet: options.quiet });
  const controller = new AbortController();
  const onSignal = (signal: InterruptSignal) => {
    if (controller.signal.aborted) {
      progress.stop();
      exitOnSecondInterrupt(signal);
    }
    progress.log(options.interruptMessage);
    controller.abort(signal);
  };
  let pending: string | null = 'train';
  const session: TrainingSession = {
    progress,
    signal: controller.signal,
    beginTraining(label) {
      progress.stop();
      pending = label;
    },
    onProgress(p, study) {
      if (pending !== null) {
        progress.start(pending, p.totalSteps);
        pending = null;
      }
      progress.update({ done: p.step, total: p.totalSteps, status: trainingStatus(p, study) });
    },
  };
  for (const signal of INTERRUPT_SIGNALS) process.on(signal, onSignal);
  try {
    return await fn(session);
  } finally {
    // An interruption (TrainingInterrupted) reaches reportFailure, which exits with 128 + the signal.
    progress.stop();
    for (const signal of INTERRUPT_SIGNALS) process.off(signal, onSignal);
  }
}

/**
 * "epoch 2/3 loss 0.812", and within a study "…; study: about 12m04s left" (the bar's label already
 * says which run of how many).
 */
export function trainingStatus(p: TrainProgress, study?: StudyProgress): string {
  const run = `epoch ${p.epoch}/${p.epochs} loss ${p.loss.toFixed(3)}`;
  if (!study) return run;
  const left =
    study.secondsLeft === null ? 'time left not known yet' : `about ${formatSeconds(study.secondsLeft)} left`;
  return `${run}; study: ${left}`;
}
