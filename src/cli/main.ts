import { Command, CommanderError } from 'commander';
import { registerCommands } from './commands.js';
import { reportFailure } from './failure.js';

const program = new Command();
program
  .name('lora-lab')
  .description('Parameter-efficient fine-tuning of BERT encoders: train, evaluate, compare, report.')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

registerCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Commander has already printed its one-line message (or the help text).
    process.exitCode = error.exitCode === 0 ? 0 : 2;
  } else {
    process.exitCode = reportFailure(error);
  }
}
