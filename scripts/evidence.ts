// Copies the raw outputs behind a README number into docs/results/<date>-<name>/, so that a reviewer can
// trace the number to a file: each run's results.json and train.log, the study's comparison and
// study.json, and a run.json that says which command made them, on which commit and which machine.
//
//   npm run evidence -- RUNS_DIR NAME [--note "what else ran beside it"]
//
// RUNS_DIR is an `experiments` output folder (study.json, comparison.*, runs/<method>/seed-<n>/) or a
// single `train` output folder (results.json). Weights and checkpoints are never copied.
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';

/** The small files of a run or study that carry its numbers; everything else (weights, data) stays. */
const EVIDENCE_FILES = new Set([
  'results.json',
  'train.log',
  'comparison.md',
  'comparison.json',
  'study.json',
  'label_map.json',
  'adapter_config.json',
  'config.json',
]);
/** Folders whose contents are not evidence: the splits, checkpoints and the model weights' folders. */
const SKIPPED_FOLDERS = new Set(['data', 'checkpoints']);

interface Provenance {
  command?: string;
  commit?: string | null;
  uncommitted_changes?: boolean | null;
  machine?: unknown;
  node?: string;
}

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

function readJson(path: string): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch {
    fail(`${path} is not readable JSON.`);
  }
}

/** Every evidence file under `dir`, as paths relative to it. */
function evidenceFiles(dir: string, under = ''): string[] {
  const found: string[] = [];
  for (const name of readdirSync(join(dir, under)).sort()) {
    const rel = under === '' ? name : join(under, name);
    if (statSync(join(dir, rel)).isDirectory()) {
      if (!SKIPPED_FOLDERS.has(name)) found.push(...evidenceFiles(dir, rel));
    } else if (EVIDENCE_FILES.has(name)) {
      found.push(rel);
    }
  }
  return found;
}

function parseArgs(argv: string[]): { runsDir: string; name: string; note?: string; outRoot: string } {
  const positional: string[] = [];
  let note: string | undefined;
  let outRoot = 'docs/results';
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--note') note = argv[++i];
    else if (arg === '--out') outRoot = argv[++i] ?? outRoot;
    else if (arg.startsWith('--'))
      fail(`Unknown option ${arg}; usage: npm run evidence -- RUNS_DIR NAME [--note TEXT]`);
    else positional.push(arg);
  }
  if (positional.length !== 2) fail('Usage: npm run evidence -- RUNS_DIR NAME [--note TEXT]');
  const [runsDir, name] = positional as [string, string];
  if (!/^[a-z0-9][a-z0-9.-]*$/.test(name))
    fail(`NAME must be lower-case letters, digits, dots and dashes; got "${name}".`);
  return { runsDir: resolve(runsDir), name, note, outRoot };
}

function main(): void {
  const { runsDir, name, note, outRoot } = parseArgs(process.argv.slice(2));
  if (!existsSync(runsDir) || !statSync(runsDir).isDirectory()) fail(`${runsDir} is not a folder.`);
  const studyPath = join(runsDir, 'study.json');
  const singlePath = join(runsDir, 'results.json');
  const isStudy = existsSync(studyPath);
  if (!isStudy && !existsSync(singlePath)) {
    fail(`${runsDir} holds neither study.json (an experiments folder) nor results.json (a train run).`);
  }
  const head = readJson(isStudy ? studyPath : singlePath);
  const provenance = (head.provenance ?? {}) as Provenance;
  if (!provenance.command || !provenance.commit) {
    fail(
      `${basename(isStudy ? studyPath : singlePath)} records no command or commit; re-run with a version of lora-lab that records them.`,
    );
  }
  const finished = String(head.finished_at ?? head.finishedAt ?? new Date().toISOString()).slice(0, 10);
  const target = resolve(outRoot, `${finished}-${name}`);
  if (existsSync(target)) fail(`${relative(process.cwd(), target)} exists already; choose another NAME.`);

  const files = evidenceFiles(runsDir);
  for (const rel of files) {
    mkdirSync(join(target, rel, '..'), { recursive: true });
    copyFileSync(join(runsDir, rel), join(target, rel));
  }
  const run = {
    what: name,
    command: provenance.command,
    commit: provenance.commit,
    uncommitted_changes: provenance.uncommitted_changes ?? null,
    node: provenance.node ?? null,
    machine: provenance.machine ?? null,
    started_at: head.started_at ?? null,
    finished_at: head.finished_at ?? null,
    wall_seconds: head.wall_seconds ?? null,
    ...(note ? { note } : {}),
    files,
  };
  writeFileSync(join(target, 'run.json'), `${JSON.stringify(run, null, 2)}\n`);
  process.stdout.write(`${files.length} files and run.json in ${relative(process.cwd(), target)}\n`);
}

main();
