import { existsSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { sharedPath } from '../../src/io/shared-dir.js';

/**
 * The path of a shared fixture, or null after skipping the test visibly. Under CI (CI=true) a missing
 * fixture fails the test instead: CI always has ../shared.
 */
export function requireShared(t: TestContext, ...parts: string[]): string | null {
  const path = sharedPath(...parts);
  if (existsSync(path)) return path;
  const message = `shared fixture ${parts.join('/')} not found at ${path} (set LORA_LAB_SHARED)`;
  if (process.env.CI === 'true') throw new Error(message);
  console.log(`# SKIP: ${message}`);
  t.skip(message);
  return null;
}
