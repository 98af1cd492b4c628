import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

function write(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

function evidence(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/evidence.ts', ...args], {
    encoding: 'utf8',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** An experiments folder as the runner leaves it: numbers, logs, weights, checkpoints and splits. */
function fakeStudy(root: string, provenance: object | undefined): string {
  const dir = join(root, 'study');
  write(
    join(dir, 'study.json'),
    JSON.stringify({
      preset: 'tuned',
      finished_at: '2026-12-02T09:12:00.000Z',
      wall_seconds: 2900,
      provenance,
    }),
  );
  write(join(dir, 'comparison.md'), '| method | F1 |\n');
  write(join(dir, 'comparison.json'), '{}');
  write(join(dir, 'data', 'train.csv'), 'text,label\n');
  const run = join(dir, 'runs', 'lora', 'seed-42');
  write(join(run, 'results.json'), '{"f1_weighted": 0.73}');
  write(join(run, 'train.log'), 'epoch 1\n');
  write(join(run, 'adapter', 'adapter_config.json'), '{}');
  write(join(run, 'adapter', 'adapter_model.safetensors'), 'weights');
  write(join(run, 'checkpoints', 'checkpoint-5', 'results.json'), '{}');
  return dir;
}

const provenance = {
  command: 'lora-lab experiments',
  commit: 'abc123',
  uncommitted_changes: false,
  node: 'v20',
  machine: { cpu: 'AMD EPYC', cores: 2 },
};

test('evidence copies the numbers, logs and provenance of a study, and no weights, splits or checkpoints', () => {
  const root = mkdtempSync(join(tmpdir(), 'lora-lab-evidence-'));
  try {
    const study = fakeStudy(root, provenance);
    const out = join(root, 'results');
    const r = evidence(study, 'tuned-seed42', '--out', out, '--note', 'nothing else ran');
    assert.equal(r.code, 0, r.stderr);
    const target = join(out, '2026-12-02-tuned-seed42');
    for (const f of ['comparison.md', 'comparison.json', 'study.json', 'runs/lora/seed-42/results.json']) {
      assert.ok(existsSync(join(target, f)), f);
    }
    assert.ok(existsSync(join(target, 'runs/lora/seed-42/train.log')));
    assert.ok(existsSync(join(target, 'runs/lora/seed-42/adapter/adapter_config.json')));
    assert.ok(!existsSync(join(target, 'runs/lora/seed-42/adapter/adapter_model.safetensors')));
    assert.ok(!existsSync(join(target, 'runs/lora/seed-42/checkpoints')));
    assert.ok(!existsSync(join(target, 'data')));
    const run = JSON.parse(readFileSync(join(target, 'run.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(run.command, 'lora-lab experiments');
    assert.equal(run.commit, 'abc123');
    assert.deepEqual(run.machine, provenance.machine);
    assert.equal(run.wall_seconds, 2900);
    assert.equal(run.note, 'nothing else ran');

    const again = evidence(study, 'tuned-seed42', '--out', out);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /exists already/);
    assert.equal(again.stderr.trim().split('\n').length, 1);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('evidence refuses a study that does not record its command and commit', () => {
  const root = mkdtempSync(join(tmpdir(), 'lora-lab-evidence-'));
  try {
    const r = evidence(fakeStudy(root, undefined), 'old', '--out', join(root, 'results'));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /records no command or commit/);
    assert.ok(!existsSync(join(root, 'results')));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
