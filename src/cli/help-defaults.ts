import type { Command } from 'commander';

/**
 * Commander shows a default it cannot describe as JSON, so a list default read `["query","value"]`. Every
 * list default without a description of its own is shown the way the flag takes it: `query,value`.
 */
export function describeListDefaults(program: Command): void {
  for (const command of program.commands) {
    describeListDefaults(command);
    for (const option of command.options) {
      if (Array.isArray(option.defaultValue) && option.defaultValueDescription === undefined) {
        option.defaultValueDescription = option.defaultValue.map(String).join(',');
      }
    }
  }
}
