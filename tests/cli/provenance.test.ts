import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { provenance } from '../../src/cli/provenance.js';

test('provenance names the command, the checkout’s commit and the machine', () => {
  const p = provenance(['node', 'lora-lab.js', 'experiments', '--seeds', '3']);
  assert.equal(p.command, 'lora-lab experiments --seeds 3');
  // From src/ under tsx as from dist/: the commit of this checkout, not of some folder above it.
  assert.equal(p.commit, execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim());
  assert.equal(typeof p.uncommitted_changes, 'boolean');
  assert.equal(p.machine.cores, cpus().length);
  assert.equal(p.node, process.version);
});
