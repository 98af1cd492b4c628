import { UserError } from '../errors.js';

/** One sentence on stderr and an exit code: 1 for a user's mistake, 70 for a bug (with its stack only under LORA_LAB_DEBUG). */
export function reportFailure(error: unknown): number {
  if (error instanceof UserError) {
    process.stderr.write(`lora-lab: ${error.message}\n`);
    return 1;
  }
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR' || code === 'ENOSPC') {
    process.stderr.write(`lora-lab: ${message}\n`);
    return 1;
  }
  process.stderr.write(`lora-lab: internal error: ${message} (set LORA_LAB_DEBUG=1 for details)\n`);
  if (process.env.LORA_LAB_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  return 70;
}
