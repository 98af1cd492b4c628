/**
 * The server under load (issue 18): a base model and three adapters served by `lora-lab serve` in a
 * child process on 127.0.0.1, loaded with autocannon by this process, one text per request. Each run
 * gives texts/s and p50/p99 latency at a number of concurrent clients, with every adapter's requests
 * alone ("single") and the three adapters' requests interleaved ("mixed", so batches mix adapters).
 * Before the server starts, the cost of one forward pass over 64 texts is timed in this process: the
 * plain single-adapter path (LoRALinear, as predict runs it) against the server's model with one
 * adapter and with three. The first adapter is also served merged (`--merge`, its own copy of the
 * layers it adapts), and its requests are timed against the unmerged one's ("merged" against "single")
 * at up to 16 clients. A soak runs the mixed load for a given time and samples the server's resident
 * memory after a warm-up.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { normalizeColumnName } from '../src/data/complaints.js';
import { readCsvRecords } from '../src/data/csv.js';
import { UserError } from '../src/errors.js';
import { loadClassifier, predictTexts } from '../src/experiments/classifier.js';
import { sharedPath } from '../src/io/shared-dir.js';
import { ServedModel, type ServedAdapter } from '../src/serve/served-model.js';
import { writeRandomAdapter, type AdapterSpec } from './serve-adapters.js';

export interface ServeBenchOptions {
  /** Base model folder; default the shared bert-tiny-mlm. */
  model?: string;
  /** A CSV with a narrative or "text" column; default the shared complaints.csv. */
  textsFile?: string;
  /** Seconds of measured load per run. */
  seconds: number;
  /** Untimed seconds of load before each run. */
  warmupSeconds: number;
  /** Rounds per client count; in each, the modes run in turn (the machine drifts), and medians are kept. */
  rounds: number;
  connections: number[];
  maxBatch: number;
  maxWaitMs: number;
  maxLen: number;
  /** The server's compute threads (default: its own default). */
  threads?: number;
  /** Seconds of mixed load at `soakConnections` with the server's memory sampled; 0 for none. */
  soakSeconds: number;
  soakConnections: number;
  onStep?: (line: string) => void;
}

export const SERVE_BENCH_DEFAULTS = {
  seconds: 10,
  warmupSeconds: 2,
  rounds: 3,
  connections: [1, 16, 64],
  maxBatch: 64,
  maxWaitMs: 5,
  maxLen: 128,
  soakSeconds: 0,
  soakConnections: 16,
} as const;

/** The bars: mixed batches reach 80 % of single-adapter throughput; memory grows under 5 % in a soak. */
export const MIXED_TO_SINGLE_AT_LEAST = 0.8;
/**
 * The "a merged adapter is never slower than an unmerged one", with 5 % for the noise of one
 * run on a shared machine; the ratios themselves are in the result.
 */
export const MERGED_TO_UNMERGED_AT_LEAST = 0.95;
/** Merged-against-unmerged runs at these client counts (those among --connections). */
const MERGED_CONNECTIONS = [1, 16];
export const SOAK_GROWTH_BELOW_PERCENT = 5;

/** Three adapters of other label counts, ranks and targets (the study's q,v and more). */
const ADAPTERS: Record<string, AdapterSpec> = {
  products: {
    labels: [
      'Checking',
      'Credit card',
      'Credit reporting',
      'Debt collection',
      'Loan',
      'Money transfer',
      'Mortgage',
      'Other',
      'Savings',
    ],
    targets: ['query', 'value'],
    r: 8,
    seed: 101,
  },
  sentiment: { labels: ['negative', 'neutral', 'positive'], targets: ['query', 'value'], r: 8, seed: 102 },
  urgency: {
    labels: ['high', 'low', 'medium', 'none', 'urgent'],
    targets: ['query', 'key', 'value'],
    r: 16,
    seed: 103,
  },
};

export interface LoadRun {
  mode: 'single' | 'mixed' | 'merged';
  connections: number;
  seconds: number;
  texts_per_second: number;
  latency_ms: { p50: number; p99: number; mean: number; max: number };
  requests: number;
  errors: number;
  non_2xx: number;
  timeouts: number;
  /** Which round (1…); absent on the medians. */
  round?: number;
}

export interface ServeBenchResult {
  model: string;
  texts: { source: string; count: number; max_length: number };
  adapters: { name: string; labels: number; r: number; targets: string[] }[];
  server: { max_batch: number; max_wait_ms: number; threads: number | 'default'; exit_code: number | null };
  forward_ms_64_texts: {
    plain_single_adapter: number;
    served_single_adapter: number;
    served_mixed_3_adapters: number;
    served_merged_single_adapter: number;
  };
  /** Per mode and client count, the median over the rounds (texts/s and latencies); failures summed. */
  runs: LoadRun[];
  /** Every measured run, in the order run. */
  rounds: LoadRun[];
  mixed_to_single: Record<string, number>;
  /** Texts/s of the merged copy of the first adapter against the unmerged one, by clients. */
  merged_to_unmerged: Record<string, number>;
  soak: null | {
    seconds: number;
    connections: number;
    warmup_seconds: number;
    texts_per_second: number;
    errors: number;
    /** [seconds since the soak began, resident MB], every 5 s after the warm-up. */
    rss_mb_samples: [number, number][];
    rss_mb_median: { first_half: number; second_half: number };
    rss_mb_peak: { first_half: number; second_half: number };
    /** The second half's median against the first half's. */
    growth_percent: number;
    peak_growth_percent: number;
  };
  checks: {
    zero_errors: boolean;
    mixed_at_least_80_percent_of_single: boolean;
    merged_not_slower_than_unmerged: boolean | null;
    soak_growth_under_5_percent: boolean | null;
  };
  load_average: { start: number[]; end: number[] };
}

export async function benchServe(o: ServeBenchOptions): Promise<ServeBenchResult> {
  const model = o.model ?? sharedPath('models', 'bert-tiny-mlm');
  const textsFile = o.textsFile ?? sharedPath('data', 'cfpb', 'complaints.csv');
  for (const [what, path] of [
    ['base model', model],
    ['texts file', textsFile],
  ]) {
    if (!existsSync(path)) throw new UserError(`The ${what} ${path} does not exist (set LORA_LAB_SHARED).`);
  }
  const autocannon = await loadAutocannon();
  const loadStart = loadavg();
  const dir = mkdtempSync(join(tmpdir(), 'lora-lab-bench-serve-'));
  let server: ChildProcess | undefined;
  try {
    o.onStep?.('making three adapters');
    for (const [name, spec] of Object.entries(ADAPTERS))
      await writeRandomAdapter(model, join(dir, name), spec);
    const texts = await readTexts(textsFile, 512);
    const names = Object.keys(ADAPTERS);

    o.onStep?.('timing one forward pass over 64 texts in this process');
    const forward = await timeForwardPasses(model, dir, names, texts.slice(0, 64), o.maxLen);

    o.onStep?.('starting the server');
    const args = ['serve', '--model', model, '--port', '0', '--max-batch', String(o.maxBatch)];
    args.push('--max-wait-ms', String(o.maxWaitMs), '--max-len', String(o.maxLen));
    for (const name of names) args.push('--adapter', `${name}=${join(dir, name)}`);
    const mergedName = `${names[0]}-merged`;
    args.push('--adapter', `${mergedName}=${join(dir, names[0])}`, '--merge', mergedName);
    if (o.threads !== undefined) args.push('--threads', String(o.threads));
    const started = await startServerChild(args);
    server = started.child;
    const url = started.url;

    const adapterOf = (mode: LoadRun['mode'], i: number): string =>
      mode === 'single' ? names[0] : mode === 'merged' ? mergedName : names[i % names.length];
    const bodies = (mode: LoadRun['mode']): string[] =>
      texts.map((text, i) => JSON.stringify({ texts: [text], adapter: adapterOf(mode, i) }));
    const load = async (mode: LoadRun['mode'], connections: number, seconds: number): Promise<LoadRun> => {
      const all = bodies(mode);
      let next = 0;
      const result = await autocannon({
        url,
        connections,
        duration: seconds,
        timeout: 30,
        requests: [
          {
            method: 'POST',
            path: '/v1/classify',
            headers: { 'content-type': 'application/json' },
            setupRequest: (req) => ({ ...req, body: all[next++ % all.length] }),
          },
        ],
      });
      const ok = result['2xx'];
      return {
        mode,
        connections,
        seconds: result.duration,
        texts_per_second: ok / result.duration,
        latency_ms: {
          p50: result.latency.p50,
          p99: result.latency.p99,
          mean: result.latency.average,
          max: result.latency.max,
        },
        requests: result.requests.total,
        errors: result.errors,
        non_2xx: result.non2xx,
        timeouts: result.timeouts,
      };
    };

    const mergedConnections = o.connections.filter((c) => MERGED_CONNECTIONS.includes(c));
    const allRuns: LoadRun[] = [];
    for (const connections of o.connections) {
      const modes = mergedConnections.includes(connections)
        ? (['single', 'mixed', 'merged'] as const)
        : (['single', 'mixed'] as const);
      for (let round = 1; round <= o.rounds; round++) {
        for (const mode of modes) {
          o.onStep?.(
            `${mode}, ${connections} connection${connections === 1 ? '' : 's'}, round ${round}/${o.rounds}: ${o.warmupSeconds} s warm-up, ${o.seconds} s measured`,
          );
          if (o.warmupSeconds > 0) await load(mode, connections, o.warmupSeconds);
          const run = await load(mode, connections, o.seconds);
          o.onStep?.(
            `  ${run.texts_per_second.toFixed(1)} texts/s, p50 ${run.latency_ms.p50} ms, p99 ${run.latency_ms.p99} ms, ${run.errors + run.non_2xx + run.timeouts} errors`,
          );
          allRuns.push({ ...run, round });
        }
      }
    }
    const runs = medianRuns(allRuns);
    const ratios = (mode: LoadRun['mode'], levels: number[]): Record<string, number> =>
      Object.fromEntries(
        levels.map((connections) => {
          const of = (m: LoadRun['mode']) => runs.find((r) => r.mode === m && r.connections === connections)!;
          return [String(connections), of(mode).texts_per_second / of('single').texts_per_second];
        }),
      );
    const mixedToSingle = ratios('mixed', o.connections);
    const mergedToUnmerged = ratios('merged', mergedConnections);

    let soak: ServeBenchResult['soak'] = null;
    if (o.soakSeconds > 0) {
      const warmup = Math.min(60, Math.max(5, Math.round(o.soakSeconds / 10)));
      o.onStep?.(
        `soak: ${o.soakSeconds} s of mixed load at ${o.soakConnections} connections; memory sampled every 5 s after ${warmup} s`,
      );
      const samples: [number, number][] = [];
      const t0 = performance.now();
      const sampler = setInterval(() => {
        const t = (performance.now() - t0) / 1000;
        const rss = residentMb(server!.pid!);
        if (t >= warmup && rss !== null) samples.push([Math.round(t), rss]);
      }, 5000);
      let run: LoadRun;
      try {
        run = await load('mixed', o.soakConnections, o.soakSeconds);
      } finally {
        clearInterval(sampler);
      }
      if (samples.length < 2)
        throw new UserError(
          `The soak took too few memory samples (${samples.length}); give it more seconds.`,
        );
      // The heap saws between collections (tens of MB here), so single samples are compared with
      // nothing: the second half of the samples against the first, by median and by peak.
      const mbs = samples.map(([, mb]) => mb);
      const half = Math.floor(mbs.length / 2);
      const [early, late] = [mbs.slice(0, half), mbs.slice(half)];
      const growth = (a: number, b: number): number => ((b - a) / a) * 100;
      soak = {
        seconds: run.seconds,
        connections: o.soakConnections,
        warmup_seconds: warmup,
        texts_per_second: run.texts_per_second,
        errors: run.errors + run.non_2xx + run.timeouts,
        rss_mb_samples: samples,
        rss_mb_median: { first_half: median(early), second_half: median(late) },
        rss_mb_peak: { first_half: Math.max(...early), second_half: Math.max(...late) },
        growth_percent: growth(median(early), median(late)),
        peak_growth_percent: growth(Math.max(...early), Math.max(...late)),
      };
    }

    o.onStep?.('stopping the server (SIGTERM)');
    const exitCode = await stopServerChild(server);
    server = undefined;
    const errors = allRuns.reduce((n, r) => n + r.errors + r.non_2xx + r.timeouts, 0) + (soak?.errors ?? 0);
    const atMost = o.connections.at(-1)!;
    return {
      model,
      texts: { source: textsFile, count: texts.length, max_length: o.maxLen },
      adapters: names.map((name) => ({
        name,
        labels: ADAPTERS[name].labels.length,
        r: ADAPTERS[name].r,
        targets: ADAPTERS[name].targets,
      })),
      server: {
        max_batch: o.maxBatch,
        max_wait_ms: o.maxWaitMs,
        threads: o.threads ?? 'default',
        exit_code: exitCode,
      },
      forward_ms_64_texts: forward,
      runs,
      rounds: allRuns,
      mixed_to_single: mixedToSingle,
      merged_to_unmerged: mergedToUnmerged,
      soak,
      checks: {
        zero_errors: errors === 0,
        mixed_at_least_80_percent_of_single: mixedToSingle[String(atMost)] >= MIXED_TO_SINGLE_AT_LEAST,
        merged_not_slower_than_unmerged:
          mergedConnections.length === 0
            ? null
            : Object.values(mergedToUnmerged).every((ratio) => ratio >= MERGED_TO_UNMERGED_AT_LEAST),
        soak_growth_under_5_percent: soak === null ? null : soak.growth_percent < SOAK_GROWTH_BELOW_PERCENT,
      },
      load_average: { start: loadStart, end: loadavg() },
    };
  } finally {
    if (server) server.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

/** autocannon is a development dependency: an installed lora-lab without it says so in one sentence. */
async function loadAutocannon(): Promise<typeof import('autocannon')> {
  try {
    return (await import('autocannon')).default;
  } catch {
    throw new UserError(
      'bench serve needs autocannon, a development dependency of lora-lab: run npm ci in its repository.',
    );
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** One run per mode and client count: the rounds' medians, their failures summed, the worst max latency. */
function medianRuns(all: readonly LoadRun[]): LoadRun[] {
  const groups = new Map<string, LoadRun[]>();
  for (const run of all) {
    const key = `${run.mode} ${run.connections}`;
    groups.set(key, [...(groups.get(key) ?? []), run]);
  }
  return [...groups.values()].map((rounds) => {
    const of = (pick: (r: LoadRun) => number) => median(rounds.map(pick));
    const sum = (pick: (r: LoadRun) => number) => rounds.reduce((n, r) => n + pick(r), 0);
    return {
      mode: rounds[0].mode,
      connections: rounds[0].connections,
      seconds: sum((r) => r.seconds),
      texts_per_second: of((r) => r.texts_per_second),
      latency_ms: {
        p50: of((r) => r.latency_ms.p50),
        p99: of((r) => r.latency_ms.p99),
        mean: of((r) => r.latency_ms.mean),
        max: Math.max(...rounds.map((r) => r.latency_ms.max)),
      },
      requests: sum((r) => r.requests),
      errors: sum((r) => r.errors),
      non_2xx: sum((r) => r.non_2xx),
      timeouts: sum((r) => r.timeouts),
    };
  });
}

/** Up to `count` non-empty texts of the file's narrative (or "text") column. */
async function readTexts(path: string, count: number): Promise<string[]> {
  const texts: string[] = [];
  let column = -1;
  for await (const { fields } of readCsvRecords(path)) {
    if (column === -1) {
      const names = fields.map(normalizeColumnName);
      column =
        ['consumer_complaint_narrative', 'text', 'narrative']
          .map((n) => names.indexOf(n))
          .find((i) => i !== -1) ?? -2;
      if (column === -2) throw new UserError(`${path} has no narrative or "text" column.`);
      continue;
    }
    const text = fields[column]?.trim();
    if (text) texts.push(text);
    if (texts.length >= count) break;
  }
  if (texts.length === 0) throw new UserError(`${path} holds no texts.`);
  return texts;
}

/**
 * Median milliseconds of tokenizing and classifying `texts` in one batch, each way. The three are
 * timed in turn within every round, so that a shared machine's drift falls on all of them alike.
 */
async function timeForwardPasses(
  model: string,
  dir: string,
  names: string[],
  texts: string[],
  maxLen: number,
): Promise<ServeBenchResult['forward_ms_64_texts']> {
  const plain = await loadClassifier({ model, adapter: join(dir, names[0]) });
  const served = await ServedModel.load(model, { maxLen });
  const adapters: ServedAdapter[] = names.map((name) => served.attach(name, join(dir, name)));
  const merged = served.attach(`${names[0]}-merged`, join(dir, names[0]), { merge: true });
  const servedRun = (pick: (i: number) => ServedAdapter) => () =>
    void served.logits(
      texts.map((text, i) => ({ input: served.encode(text, pick(i).cleaning), adapter: pick(i) })),
    );
  const ways = [
    () =>
      void [
        ...predictTexts(plain.model, plain.tokenizer, plain.labels, texts, {
          maxLen,
          batchSize: texts.length,
        }),
      ],
    servedRun(() => adapters[0]),
    servedRun((i) => adapters[i % adapters.length]),
    servedRun(() => merged),
  ];
  const times: number[][] = ways.map(() => []);
  for (const way of ways) way();
  for (let round = 0; round < 9; round++) {
    ways.forEach((way, w) => {
      const t = performance.now();
      way();
      times[w].push(performance.now() - t);
    });
  }
  return {
    plain_single_adapter: median(times[0]),
    served_single_adapter: median(times[1]),
    served_mixed_3_adapters: median(times[2]),
    served_merged_single_adapter: median(times[3]),
  };
}

// From src/ through tsx the modules are .ts files, from dist/ .js: the CLI is found the same way.
const EXT = extname(fileURLToPath(import.meta.url));
const CLI_ENTRY = fileURLToPath(new URL(`../src/cli/main${EXT}`, import.meta.url));

/** `lora-lab serve …` as a child (this process's loader flags kept); resolves once it listens. */
function startServerChild(args: string[]): Promise<{ child: ChildProcess; url: string }> {
  const nodeFlags = process.execArgv.filter((flag) => !flag.startsWith('--test'));
  const child = spawn(process.execPath, [...nodeFlags, CLI_ENTRY, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  return new Promise((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(stdout);
      if (match) resolve({ child, url: match[1] });
    });
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) =>
      reject(new Error(`lora-lab serve exited (code ${code}) before listening: ${stderr.trim()}`)),
    );
  });
}

function stopServerChild(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    child.on('close', (code) => resolve(code));
    child.kill('SIGTERM');
  });
}

/** A process's resident memory in MB (Linux: /proc/PID/status), or null where that cannot be read. */
function residentMb(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(status);
    return kb ? Number(kb[1]) / 1024 : null;
  } catch {
    return null;
  }
}
