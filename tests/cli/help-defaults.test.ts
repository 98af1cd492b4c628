import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Command } from 'commander';
import { createProgram } from '../../src/cli/run.js';

function allCommands(c: Command): Command[] {
  return c.commands.flatMap((sub) => [sub, ...allCommands(sub)]);
}

test('--help shows list defaults as the flag takes them (query,value), never as JSON', () => {
  const commands = allCommands(createProgram());
  const train = commands.find((c) => c.name() === 'train')!;
  assert.match(train.helpInformation(), /\(default:\s+query,value\)/);
  for (const command of commands) {
    assert.doesNotMatch(command.helpInformation(), /\(default: \[/, command.name());
  }
});
