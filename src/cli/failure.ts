import { UserError } from '../errors.js';
import { TrainingInterrupted } from '../train/trainer.js';

/** The signals that stop a training cleanly, with a checkpoint. */
export const INTERRUPT_SIGNALS = ['SIGINT', 'SIGTERM'] as const;
export type InterruptSignal = (typeof INTERRUPT_SIGNALS)[number];

/** Exit code of a run stopped by Ctrl-C (128 + SIGINT), as shells report it. */
const INTERRUPTED_EXIT_CODE = 130;

/** 128 + the signal's number, as shells report a process ended by it: 130 for SIGINT, 143 for SIGTERM. */
function interruptedExitCode(signal: string | null): number {
  return signal === 'SIGTERM' ? 143 : INTERRUPTED_EXIT_CODE;
}

/**
 * One line on stderr and an exit code: 1 for a user's mistake (or a file the system refused),
 * 130 for an interruption, 70 for a bug (with its stack only under LORA_LAB_DEBUG).
 */
export function reportFailure(error: unknown): number {
  // The reader of stdout went away (`… | head`): the output simply ends.
  if ((error as NodeJS.ErrnoException | undefined)?.code === 'EPIPE') return 0;
  if (error instanceof TrainingInterrupted) {
    process.stderr.write(
      `lora-lab: ${
        error.checkpoint
          ? `Training was interrupted at step ${error.step}; its state is saved in ${error.checkpoint}, and the same command with --resume continues from there.`
          : error.message
      }\n`,
    );
    return interruptedExitCode(error.signalName);
  }
  if (error instanceof UserError) {
    process.stderr.write(`lora-lab: ${oneLine(error.message)}\n`);
    return 1;
  }
  const fsMessage = describeSystemError(error);
  if (fsMessage) {
    process.stderr.write(`lora-lab: ${fsMessage}\n`);
    return 1;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`lora-lab: internal error: ${oneLine(message)} (set LORA_LAB_DEBUG=1 for details)\n`);
  if (process.env.LORA_LAB_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  return 70;
}

/** A second Ctrl-C or SIGTERM: stop at once, without the checkpoint the first one asked for. */
export function exitOnSecondInterrupt(signal: InterruptSignal): never {
  const what = signal === 'SIGINT' ? 'Ctrl-C' : signal;
  process.stderr.write(
    `lora-lab: Stopped at once by a second ${what}; the newest checkpoint saved before it is kept, and --resume continues from there.\n`,
  );
  process.exit(interruptedExitCode(signal));
}

/** A message that spans lines (a quoted file excerpt, say) still makes one line. */
function oneLine(message: string): string {
  return message.trim().replace(/\s*[\r\n]+\s*/g, ' ');
}

const REASONS: Record<string, string> = {
  ENOENT: 'it does not exist',
  EACCES: 'permission denied',
  EPERM: 'the operation is not permitted',
  EISDIR: 'it is a folder',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EEXIST: 'it already exists',
  ENOTEMPTY: 'the folder is not empty',
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
  EROFS: 'the file system is read-only',
  EMFILE: 'too many files are open',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'the path loops through symbolic links',
  EBUSY: 'it is in use',
  EIO: 'an input/output error occurred',
};

const ACTIONS: Record<string, string> = {
  open: 'open',
  read: 'read',
  write: 'write',
  mkdir: 'create the folder',
  rename: 'rename',
  unlink: 'remove',
  rmdir: 'remove the folder',
  rm: 'remove',
  scandir: 'list the folder',
  stat: 'read',
  lstat: 'read',
  copyfile: 'copy',
  access: 'access',
};

/** "Could not create the folder runs/x: permission denied." for the file system's refusals, else null. */
function describeSystemError(error: unknown): string | null {
  const e = error as (NodeJS.ErrnoException & { dest?: string }) | undefined;
  const code = e?.code;
  if (!code || !(code in REASONS)) return null;
  const action = (e.syscall && ACTIONS[e.syscall]) || 'use';
  const target = e.dest ? `${e.path} to ${e.dest}` : (e.path ?? 'a file');
  return `Could not ${action} ${target}: ${REASONS[code]}.`;
}
