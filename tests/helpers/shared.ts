import { existsSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { sharedPath } from '../../src/io/shared-dir.js';
import { missingPrerequisite } from './prerequisite.js';

/**
 * The path of a shared fixture, or null when it is missing: then the test is skipped or, under
 * CI=true, failed (see prerequisite.ts).
 */
export function requireShared(t: TestContext, ...parts: string[]): string | null {
  const path = sharedPath(...parts);
  if (existsSync(path)) return path;
  missingPrerequisite(t, `shared fixture ${parts.join('/')} not found at ${path} (set LORA_LAB_SHARED)`);
  return null;
}
