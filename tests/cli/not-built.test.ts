import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

test('lora-lab in a checkout without dist/ says in one sentence to run npm ci, and exits 1', () => {
  const checkout = mkdtempSync(join(tmpdir(), 'lora-lab-unbuilt-'));
  try {
    mkdirSync(join(checkout, 'bin'));
    copyFileSync(join('bin', 'lora-lab.js'), join(checkout, 'bin', 'lora-lab.js'));
    const run = spawnSync(process.execPath, [join(checkout, 'bin', 'lora-lab.js'), 'experiments'], {
      encoding: 'utf8',
    });
    assert.equal(run.status, 1);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /^lora-lab: this checkout is not built yet \(dist\/ is missing\): run `npm ci`/);
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    assert.doesNotMatch(run.stderr, /ERR_MODULE_NOT_FOUND|at /);
  } finally {
    rmSync(checkout, { recursive: true, force: true });
  }
});
