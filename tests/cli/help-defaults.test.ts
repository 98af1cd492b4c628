import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Command } from 'commander';
import { createProgram } from '../../src/cli/run.js';

function allCommands(c: Command): Command[] {
  return c.commands.flatMap((sub) => [sub, ...allCommands(sub)]);
}

test('--help shows list defaults as the flag takes them (scratch,full,lora), never as JSON', () => {
  const commands = allCommands(createProgram());
  // train's --lora-targets now defaults to its preset's (tests/cli/train.test.ts); experiments' --methods has a list default.
  const experiments = commands.find((c) => c.name() === 'experiments')!;
  assert.match(experiments.helpInformation(), /\(default:\s+scratch,full,lora\)/);
  for (const command of commands) {
    assert.doesNotMatch(command.helpInformation(), /\(default: \[/, command.name());
  }
});
