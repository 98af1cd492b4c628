import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where a result came from: the command, the code and the machine, recorded beside the numbers. */
export interface Provenance {
  command: string;
  commit: string | null;
  /** True when the working tree had uncommitted changes: the commit alone does not reproduce the run. */
  uncommitted_changes: boolean | null;
  node: string;
  machine: { cpu: string; cores: number; memory_gib: number; platform: string };
}

/** The nearest folder above this file with a package.json: the same from src/ (tsx) and from dist/. */
function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

function git(args: string[]): string | null {
  try {
    return execFileSync('git', args, {
      cwd: projectRoot(),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    // An installed package has no git history: the commit is then unknown, not an error.
    return null;
  }
}

/** The commit the code runs from, and whether tracked files differ from it (null outside a git checkout). */
export function codeVersion(): Pick<Provenance, 'commit' | 'uncommitted_changes'> {
  const status = git(['status', '--porcelain', '--untracked-files=no']);
  return {
    commit: git(['rev-parse', 'HEAD']),
    uncommitted_changes: status === null ? null : status.length > 0,
  };
}

export function provenance(argv: readonly string[]): Provenance {
  const cores = cpus();
  return {
    command: ['lora-lab', ...argv.slice(2)].join(' '),
    ...codeVersion(),
    node: process.version,
    machine: {
      cpu: cores[0]?.model.trim() ?? 'unknown',
      cores: cores.length,
      memory_gib: Math.round(totalmem() / 2 ** 30),
      platform: `${process.platform}-${process.arch}`,
    },
  };
}
