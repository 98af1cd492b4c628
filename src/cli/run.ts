import { Command, CommanderError } from 'commander';
import { registerCommands } from './commands.js';
import { reportFailure } from './failure.js';
import { packageVersion } from './version.js';

/** The lora-lab program with every command registered; errors throw instead of exiting. */
export function createProgram(): Command {
  const program = new Command();
  program
    .name('lora-lab')
    .description('Parameter-efficient fine-tuning of BERT encoders: train, evaluate, compare, report.')
    .version(packageVersion(), '-V, --version', 'print the version and exit')
    .configureOutput({
      // Commander's complaints as one line (a suggestion such as "(Did you mean train?)" included),
      // with the hint on the same line: a failure is always exactly one line on stderr.
      outputError: (message, write) =>
        write(
          `${message
            .trim()
            .split(/\s*\n\s*/)
            .join(' ')
            .replace(/ is invalid\. /, ' is invalid: ')} (run with --help for usage)\n`,
        ),
    })
    .exitOverride();
  // Subcommands copy the settings above when they are created, so they are set first.
  registerCommands(program);
  return program;
}

/**
 * Runs lora-lab on `argv` (node, script, arguments…) and returns the exit code: 0, 1 for a user's
 * mistake, 2 for a bad command line, 130 after an interruption, 70 for a bug.
 */
export async function runCli(argv: readonly string[]): Promise<number> {
  const program = createProgram();
  try {
    await program.parseAsync([...argv]);
    return 0;
  } catch (error) {
    // Commander has already printed its one-line message (or the help text).
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    return reportFailure(error);
  }
}
