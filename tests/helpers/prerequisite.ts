import type { TestContext } from 'node:test';

/**
 * The one rule for a test whose prerequisite (today: a file of ../shared) is missing. CI (CI=true)
 * always provides every prerequisite, so there a missing one throws and the test fails. Elsewhere the
 * test is skipped, with a `# SKIP:` line on the output so that a green run does not hide it.
 * The caller returns right after: `if (!ready) { missingPrerequisite(t, why); return; }`.
 *
 * What the project builds itself (the WebAssembly kernels, dist/) is no prerequisite: `npm ci` builds
 * it, so a test needing it just uses it and fails when it is absent.
 */
export function missingPrerequisite(t: Pick<TestContext, 'skip'>, message: string): void {
  if (process.env.CI === 'true')
    throw new Error(`${message} (CI=true: a missing prerequisite fails the test)`);
  console.log(`# SKIP: ${message}`);
  t.skip(message);
}
