/**
 * A failure the user can fix (bad file, bad flag, wrong shape). Its message is one complete sentence
 * that the CLI prints as is, without a stack trace. Anything else that escapes is a bug.
 */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}

/**
 * A server that could not be reached at all (no network, refused, timed out), as opposed to one that
 * answered with an error: the case where a local stand-in may take its place.
 */
export class SourceUnreachable extends UserError {
  constructor(
    /** What was asked for, e.g. "the CFPB complaint API at https://…" or a hub address. */
    readonly source: string,
    /** The network's own reason, e.g. "ECONNREFUSED". */
    readonly reason: string,
    /** The rest of the sentence after "Could not reach <source> (<reason>)", ending with its full stop. */
    advice = '.',
  ) {
    super(`Could not reach ${source} (${reason})${advice}`);
    this.name = 'SourceUnreachable';
  }
}
