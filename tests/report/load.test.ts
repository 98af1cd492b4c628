import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../../src/errors.js';
import { findResultsFiles, loadRuns, parseResults } from '../../src/report/load.js';
import { writeReport } from '../../src/report/write-report.js';
import { fakeResults } from './fake-runs.js';

function withDir(body: (dir: string) => void | Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lora-lab-load-'));
    try {
      await body(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

/** A UserError whose message is one sentence that names `file`. */
function namesFile(file: string): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof UserError, `expected a UserError, got ${String(error)}`);
    assert.ok(error.message.includes(file), `"${error.message}" should name ${file}`);
    assert.match(error.message, /^[A-Z].*\.$/);
    assert.doesNotMatch(error.message, /\n/);
    return true;
  };
}

test(
  'finds results.json at any depth, skipping hidden folders and not following links',
  withDir((dir) => {
    for (const sub of ['a', 'b/c/d', '.hidden', 'node_modules/x']) {
      mkdirSync(join(dir, sub), { recursive: true });
      writeFileSync(join(dir, sub, 'results.json'), '{}');
    }
    writeFileSync(join(dir, 'b', 'other.json'), '{}');
    symlinkSync(dir, join(dir, 'b', 'loop'));
    assert.deepEqual(findResultsFiles(dir), [
      join(dir, 'a', 'results.json'),
      join(dir, 'b/c/d', 'results.json'),
    ]);
  }),
);

test(
  'loads runs with their folder relative to the runs folder',
  withDir((dir) => {
    mkdirSync(join(dir, 'lora', 'seed-1'), { recursive: true });
    writeFileSync(join(dir, 'lora', 'seed-1', 'results.json'), JSON.stringify(fakeResults('lora', 1)));
    writeFileSync(join(dir, 'results.json'), JSON.stringify(fakeResults('full', 1)));
    const runs = loadRuns(dir);
    assert.deepEqual(
      runs.map((r) => [r.dir, r.results.method]),
      [
        ['lora/seed-1', 'lora'],
        ['.', 'full'],
      ],
    );
  }),
);

test(
  'no results.json anywhere is a UserError naming the folder',
  withDir(async (dir) => {
    mkdirSync(join(dir, 'empty'));
    assert.throws(() => loadRuns(dir), namesFile(dir));
    await assert.rejects(writeReport({ runsDir: dir }), namesFile(dir));
    assert.throws(() => loadRuns(join(dir, 'missing')), namesFile(join(dir, 'missing')));
  }),
);

test(
  'malformed results.json is a UserError naming the file, and no report is written',
  withDir(async (dir) => {
    const good = join(dir, 'good');
    const bad = join(dir, 'bad');
    mkdirSync(good);
    mkdirSync(bad);
    writeFileSync(join(good, 'results.json'), JSON.stringify(fakeResults('full', 1)));
    writeFileSync(join(bad, 'results.json'), '{"method": "full", ');
    await assert.rejects(
      writeReport({ runsDir: dir, outputDir: join(dir, 'out') }),
      namesFile(join(bad, 'results.json')),
    );
    assert.throws(
      () => loadRuns(join(dir, 'out')),
      UserError,
      'the output folder must not have been created',
    );
  }),
);

test('a results.json missing what the report reads is rejected with the reason', () => {
  const file = '/runs/x/results.json';
  const valid = fakeResults('lora', 1);
  const cases: [string, unknown, RegExp][] = [
    ['array', [], /not a JSON object/],
    ['bad method', { ...valid, method: 'qlora' }, /"method" must be one of scratch, full, lora/],
    ['no test', { ...valid, test: undefined }, /"test" must be an object/],
    [
      'no f1',
      { ...valid, test: { ...valid.test, f1_weighted: 'high' } },
      /"test\.f1_weighted" must be a number/,
    ],
    ['ragged confusion', { ...valid, test: { ...valid.test, confusion: [[1, 2]] } }, /9×9 matrix/],
    ['no timing', { ...valid, timing: {} }, /"timing\.train_seconds" must be a number/],
    ['zero total', { ...valid, total_params: 0 }, /"total_params" must be positive/],
  ];
  for (const [what, value, reason] of cases) {
    assert.throws(
      () => parseResults(JSON.stringify(value), file),
      (error: unknown) =>
        error instanceof UserError && error.message.includes(file) && reason.test(error.message),
      what,
    );
  }
  assert.equal(parseResults(JSON.stringify(valid), file).name, valid.name);
});
