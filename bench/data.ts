/**
 * The data pipeline at the sizes people have (issue 14): a CFPB-shaped export of `rows` rows is made
 * in a temporary folder from the shared complaints.csv (bench/data-file.ts), run through
 * `lora-lab preprocess --recipe cfpb --sample-frac F` in a child process, and the sample's splits
 * are tokenized twice in child processes of their own, cold and then from the token cache. Each child
 * reports its own peak resident memory (bench/peak-rss.ts). Everything made is removed at the end.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../src/errors.js';
import { sharedPath } from '../src/io/shared-dir.js';
import { writeSyntheticExport } from './data-file.js';

export interface DataBenchOptions {
  rows: number;
  sampleFrac: number;
  /** Longest token sequence of the tokenization step. Default 128. */
  maxLength?: number;
  /** The export whose rows are repeated; default the shared complaints.csv. */
  source?: string;
  /** The tokenizer's model folder; default the shared bert-tiny-mlm. */
  tokenizerDir?: string;
  seed?: number;
  /** Called with a line before each step (the whole run takes minutes at a million rows). */
  onStep?: (line: string) => void;
}

export interface ChildRun {
  seconds: number;
  peak_rss_mb: number;
}

export interface DataBenchResult {
  rows: number;
  bytes: number;
  source_rows: number;
  sample_frac: number;
  generate_seconds: number;
  preprocess: ChildRun & {
    rows_per_second: number;
    mb_per_second: number;
    kept_rows: number;
    splits: { train: number; val: number; test: number };
  };
  tokenize: {
    max_length: number;
    examples: number;
    tokens: number;
    cold: ChildRun & { tokenize_seconds: number; from_cache: string[] };
    warm: ChildRun & { tokenize_seconds: number; from_cache: string[] };
  };
  /** The bound on the preprocess's peak memory, and what held. */
  checks: {
    preprocess_peak_limit_mb: number;
    preprocess_peak_within_limit: boolean;
    warm_run_read_every_split_from_cache: boolean;
    cold_run_read_nothing_from_cache: boolean;
  };
  /** The machine's load while the benchmark ran: on a shared machine the seconds depend on it. */
  load_average: { start: number[]; end: number[] };
}

/** Issue 14: a 1,000,000-row, ~1 GB export through the cfpb recipe at sample fraction 0.1 under 1.5 GB. */
export const PREPROCESS_PEAK_LIMIT_MB = 1536;

export const DATA_BENCH_DEFAULTS = { rows: 200_000, sampleFrac: 0.1, maxLength: 128 } as const;

export async function benchData(o: DataBenchOptions): Promise<DataBenchResult> {
  const source = o.source ?? sharedPath('data', 'cfpb', 'complaints.csv');
  const tokenizerDir = o.tokenizerDir ?? sharedPath('models', 'bert-tiny-mlm');
  const maxLength = o.maxLength ?? DATA_BENCH_DEFAULTS.maxLength;
  for (const [what, path] of [
    ['source export', source],
    ['tokenizer folder', tokenizerDir],
  ]) {
    if (!existsSync(path)) throw new UserError(`The ${what} ${path} does not exist (set LORA_LAB_SHARED).`);
  }
  const loadStart = loadavg();
  const dir = mkdtempSync(join(tmpdir(), 'lora-lab-bench-data-'));
  try {
    const input = join(dir, 'complaints.csv');
    const out = join(dir, 'processed');
    o.onStep?.(`writing ${o.rows} rows to ${input}`);
    const t0 = performance.now();
    const made = await writeSyntheticExport(input, { source, rows: o.rows, seed: o.seed });
    const generateSeconds = (performance.now() - t0) / 1000;

    o.onStep?.(`preprocess --recipe cfpb --sample-frac ${o.sampleFrac}`);
    const pre = await runChild(dir, CLI_ENTRY, [
      'preprocess',
      '--recipe',
      'cfpb',
      '--train-file',
      input,
      '--sample-frac',
      String(o.sampleFrac),
      '--output-dir',
      out,
      '--quiet',
    ]);
    // The export is not needed any more; the disk it takes is.
    rmSync(input, { force: true });
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as {
      rows: { kept: number };
      splits: { train: number; val: number; test: number };
    };

    const tokenizeArgs = [out, tokenizerDir, String(maxLength)];
    o.onStep?.(`tokenizing the sample (max length ${maxLength}), cold`);
    const cold = await runChild(dir, TOKENIZE_ENTRY, tokenizeArgs);
    o.onStep?.('tokenizing the sample again, from the cache');
    const warm = await runChild(dir, TOKENIZE_ENTRY, tokenizeArgs);
    const coldOut = JSON.parse(cold.stdout) as TokenizeOutput;
    const warmOut = JSON.parse(warm.stdout) as TokenizeOutput;
    const splitCount = summary.splits.val > 0 ? 3 : 2;

    return {
      rows: made.rows,
      bytes: made.bytes,
      source_rows: made.sourceRows,
      sample_frac: o.sampleFrac,
      generate_seconds: generateSeconds,
      preprocess: {
        seconds: pre.seconds,
        peak_rss_mb: pre.peakRssMb,
        rows_per_second: made.rows / pre.seconds,
        mb_per_second: made.bytes / 1e6 / pre.seconds,
        kept_rows: summary.rows.kept,
        splits: summary.splits,
      },
      tokenize: {
        max_length: maxLength,
        examples: coldOut.examples,
        tokens: coldOut.tokens,
        cold: childRun(cold, coldOut),
        warm: childRun(warm, warmOut),
      },
      checks: {
        preprocess_peak_limit_mb: PREPROCESS_PEAK_LIMIT_MB,
        preprocess_peak_within_limit: pre.peakRssMb < PREPROCESS_PEAK_LIMIT_MB,
        warm_run_read_every_split_from_cache: warmOut.from_cache.length === splitCount,
        cold_run_read_nothing_from_cache: coldOut.from_cache.length === 0,
      },
      load_average: { start: loadStart, end: loadavg() },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface TokenizeOutput {
  examples: number;
  tokens: number;
  load_seconds: number;
  tokenize_seconds: number;
  from_cache: string[];
}

function childRun(run: Finished, out: TokenizeOutput): DataBenchResult['tokenize']['cold'] {
  return {
    seconds: run.seconds,
    peak_rss_mb: run.peakRssMb,
    tokenize_seconds: out.tokenize_seconds,
    from_cache: out.from_cache,
  };
}

// From src/ through tsx the modules are .ts files, from dist/ .js: the children are found the same way.
const EXT = extname(fileURLToPath(import.meta.url));
const CLI_ENTRY = fileURLToPath(new URL(`../src/cli/main${EXT}`, import.meta.url));
const TOKENIZE_ENTRY = fileURLToPath(new URL(`./data-tokenize${EXT}`, import.meta.url));
const PEAK_RSS = new URL(`./peak-rss${EXT}`, import.meta.url).href;

interface Finished {
  seconds: number;
  peakRssMb: number;
  stdout: string;
}

/** Runs `node <entry> ...args` as this process runs (tsx's loader included) and measures it. */
function runChild(dir: string, entry: string, args: string[]): Promise<Finished> {
  const peakFile = join(dir, `peak-${process.hrtime.bigint()}.json`);
  // This process's own flags (tsx's loader), less the test runner's.
  const nodeFlags = process.execArgv.filter((flag) => !flag.startsWith('--test'));
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeFlags, '--import', PEAK_RSS, entry, ...args], {
      env: { ...process.env, LORA_LAB_PEAK_RSS_FILE: peakFile },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = (performance.now() - started) / 1000;
      if (code !== 0 || !existsSync(peakFile)) {
        reject(new Error(`${entry} ${args.join(' ')} failed (exit ${code}): ${stderr.trim()}`));
        return;
      }
      const peak = JSON.parse(readFileSync(peakFile, 'utf8')) as { max_rss_kib: number };
      resolve({ seconds, peakRssMb: peak.max_rss_kib / 1024, stdout });
    });
  });
}
