// The commit a device-check sample is made from, so that the verdict checked on the GPU machine can say
// which code it judged.
import { execFileSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface SampleSource {
  commit: string | null;
  /** True when tracked files differed from the commit: the commit alone does not reproduce the sample. */
  uncommitted_changes: boolean | null;
}

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

function git(args: string[]): string | null {
  try {
    return execFileSync('git', args, {
      cwd: repoRoot,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return null;
  }
}

export function sampleSource(): SampleSource {
  const status = git(['status', '--porcelain', '--untracked-files=no']);
  return {
    commit: git(['rev-parse', 'HEAD']),
    uncommitted_changes: status === null ? null : status.length > 0,
  };
}
