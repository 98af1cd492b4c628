import type { Command } from 'commander';

const HELP_FLAGS = new Set(['--help', '-h']);

/**
 * Commander checks required options before it looks at unknown ones, so a mistyped flag
 * (`train … --epoch 3`) was reported as "required option '--output-dir <dir>' not specified", and the
 * "did you mean --epochs" never came. Each leaf command here reports its first unknown option as soon
 * as its options are parsed, before the required ones are checked. Help requests (`--help` arrives as an
 * unknown option) are left to commander.
 */
export function reportUnknownOptionsFirst(program: Command): void {
  for (const command of program.commands) {
    if (command.commands.length > 0) {
      reportUnknownOptionsFirst(command);
      continue;
    }
    const parse = command.parseOptions.bind(command);
    command.parseOptions = (argv: string[]) => {
      const parsed = parse(argv);
      const first = parsed.unknown[0];
      if (first !== undefined && first.startsWith('-') && !parsed.unknown.some((a) => HELP_FLAGS.has(a))) {
        reportUnknown(command, first);
      }
      return parsed;
    };
  }
}

/** Commander's own message (with its "did you mean"), through its internal method while it has one. */
function reportUnknown(command: Command, flag: string): void {
  const internal = (command as unknown as { unknownOption?: (flag: string) => void }).unknownOption;
  if (typeof internal === 'function') internal.call(command, flag);
  else command.error(`error: unknown option '${flag}'`, { code: 'commander.unknownOption', exitCode: 1 });
}
