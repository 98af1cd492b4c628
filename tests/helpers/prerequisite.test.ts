import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { missingPrerequisite } from './prerequisite.js';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** Runs `fn` with CI set to `ci` (undefined: unset), the console's lines and the skips recorded. */
function withCi(ci: string | undefined, fn: (t: Pick<TestContext, 'skip'>) => void, t: TestContext) {
  const saved = process.env.CI;
  const skips: (string | undefined)[] = [];
  const log = t.mock.method(console, 'log', () => {});
  try {
    if (ci === undefined) delete process.env.CI;
    else process.env.CI = ci;
    fn({ skip: (message?: string) => void skips.push(message) });
  } finally {
    log.mock.restore();
    if (saved === undefined) delete process.env.CI;
    else process.env.CI = saved;
  }
  return { skips, lines: log.mock.calls.map((c) => c.arguments.join(' ')) };
}

test('missingPrerequisite: with CI=true it throws, skipping nothing and printing nothing', (t) => {
  let thrown: unknown;
  const { skips, lines } = withCi(
    'true',
    (ctx) => {
      try {
        missingPrerequisite(ctx, 'the golden file is not there');
      } catch (e) {
        thrown = e;
      }
    },
    t,
  );
  assert.match(
    String(thrown),
    /the golden file is not there \(CI=true: a missing prerequisite fails the test\)/,
  );
  assert.deepEqual(skips, []);
  assert.deepEqual(lines, []);
});

for (const ci of [undefined, 'false', '']) {
  test(`missingPrerequisite: with CI ${ci === undefined ? 'unset' : `="${ci}"`} it skips with a visible line`, (t) => {
    const { skips, lines } = withCi(ci, (ctx) => missingPrerequisite(ctx, 'the golden file is not there'), t);
    assert.deepEqual(skips, ['the golden file is not there']);
    assert.deepEqual(lines, ['# SKIP: the golden file is not there']);
  });
}

test('requireShared through the test runner: a missing fixture skips visibly, and fails the run under CI=true', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lora-lab-prerequisite-'));
  try {
    const file = join(dir, 'needs-shared.test.ts');
    writeFileSync(
      file,
      [
        `import { test } from 'node:test';`,
        `import { requireShared } from ${JSON.stringify(join(ROOT, 'tests/helpers/shared.ts'))};`,
        `test('needs a fixture', (t) => {`,
        `  if (!requireShared(t, 'fixtures', 'no-such-fixture.json')) return;`,
        `  throw new Error('reached the body without the fixture');`,
        `});`,
      ].join('\n'),
    );
    // Without NODE_TEST_CONTEXT (set by the runner running this file) the child reports as a top-level run.
    const { NODE_TEST_CONTEXT: _, ...env } = process.env;
    const run = (ci: string) =>
      spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', file], {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...env, CI: ci, LORA_LAB_SHARED: dir },
      });
    const local = run('');
    assert.equal(local.status, 0, local.stdout + local.stderr);
    // What `npm test` (the spec reporter) shows.
    assert.match(local.stdout, /# SKIP: shared fixture fixtures\/no-such-fixture\.json not found at /);
    assert.match(local.stdout, /skipped 1\n/);
    const ci = run('true');
    assert.equal(ci.status, 1, ci.stdout + ci.stderr);
    assert.match(ci.stdout, /fail 1\n/);
    assert.match(
      ci.stdout,
      /no-such-fixture\.json not found .*CI=true: a missing prerequisite fails the test/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Every .ts file under tests/, relative to the root. */
function testSources(dir = join(ROOT, 'tests')): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return testSources(path);
    return entry.name.endsWith('.ts') ? [relative(ROOT, path)] : [];
  });
}

test('no test skips, or decides whether to run, except through missingPrerequisite', () => {
  // A skip option, t.skip / test.skip / describe.skip, a todo, or a check of whether the kernels are built.
  const forbidden = /\.skip\(|[{,]\s*skip\s*:|\.todo\(|[{,]\s*todo\s*:|kernelWasmBuilt/;
  const allowed = new Set(['tests/helpers/prerequisite.ts', 'tests/helpers/prerequisite.test.ts']);
  const offenders = testSources()
    .filter((file) => !allowed.has(file))
    .flatMap((file) =>
      readFileSync(join(ROOT, file), 'utf8')
        .split('\n')
        .map((line, i) => ({ line, at: `${file}:${i + 1}` }))
        .filter(({ line }) => forbidden.test(line))
        .map(({ line, at }) => `${at}: ${line.trim()}`),
    );
  assert.deepEqual(offenders, []);
});
