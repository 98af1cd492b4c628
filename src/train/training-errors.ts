import { UserError } from '../errors.js';

/** The run was stopped through its AbortSignal; a checkpoint was written first when a folder was set. */
export class TrainingInterrupted extends UserError {
  constructor(
    readonly step: number,
    readonly checkpoint: string | null,
    /** What aborted the run, when the signal's reason says (the CLI aborts with 'SIGINT' or 'SIGTERM'). */
    readonly signalName: string | null = null,
  ) {
    super(
      checkpoint
        ? `Training was interrupted at step ${step}; its state is saved in ${checkpoint}, and running again with resume continues from there.`
        : `Training was interrupted at step ${step}; no checkpoint folder was set, so nothing was saved.`,
    );
    this.name = 'TrainingInterrupted';
  }
}

/** What aborted a run, when the signal's reason names it. */
export function abortReason(signal: AbortSignal | undefined): string | null {
  return typeof signal?.reason === 'string' ? signal.reason : null;
}

/** A loss or gradient became NaN or infinite; the weights are those of the last good step. */
export class TrainingDiverged extends UserError {
  constructor(
    readonly step: number,
    readonly what: string,
    readonly checkpoint: string | null,
    checkpointDir: string | undefined,
  ) {
    const last = checkpoint
      ? `the last good checkpoint is ${checkpoint}`
      : checkpointDir
        ? 'no checkpoint had been saved yet'
        : 'no checkpoint folder was set, so none was saved';
    super(
      `Training stopped at step ${step}: ${what}; ${last} (a lower learning rate or gradient clipping may help).`,
    );
    this.name = 'TrainingDiverged';
  }
}
