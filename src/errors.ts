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
