import type { Command } from 'commander';
import { benchServe, SERVE_BENCH_DEFAULTS, type ServeBenchResult } from '../../bench/serve.js';
import { UserError } from '../errors.js';
import { addEngineOptions, withEngine, type EngineOptions } from './engine.js';
import { commaList, intInRange, parseFlag } from './options.js';
import { provenance } from './provenance.js';

interface ServeBenchFlags extends EngineOptions {
  model?: string;
  textsFile?: string;
  seconds: number;
  warmup: number;
  rounds: number;
  connections: string[];
  maxBatch: number;
  maxWaitMs: number;
  maxLen: number;
  soakSeconds: number;
  soakConnections: number;
  json?: boolean;
}

/** `bench serve`: the server under load with autocannon (bench/serve.ts). */
export function registerBenchServe(bench: Command): void {
  addEngineOptions(
    bench
      .command('serve')
      .description(
        'lora-lab serve under load on 127.0.0.1 (autocannon, one text per request): bert-tiny and three adapters, texts/s and p50/p99 latency at 1, 16 and 64 clients, one adapter against three mixed and against its merged copy (--merge); --soak-seconds samples the server memory under load.',
      )
      .option('--model <dir>', 'the base model (default: the shared bert-tiny-mlm)')
      .option(
        '--texts-file <file>',
        'a CSV whose narrative or "text" column gives the texts (default: the shared complaints.csv)',
      )
      .option('--seconds <n>', 'measured seconds per run', intInRange(1, 3600), SERVE_BENCH_DEFAULTS.seconds)
      .option(
        '--warmup <n>',
        'seconds of load before each run',
        intInRange(0, 600),
        SERVE_BENCH_DEFAULTS.warmupSeconds,
      )
      .option(
        '--rounds <n>',
        'rounds per client count, the modes in turn in each; medians are reported',
        intInRange(1, 100),
        SERVE_BENCH_DEFAULTS.rounds,
      )
      .option(
        '--connections <list>',
        'concurrent clients of each run',
        commaList,
        SERVE_BENCH_DEFAULTS.connections.map(String),
      )
      .option(
        '--max-batch <n>',
        "the server's --max-batch",
        intInRange(1, 4096),
        SERVE_BENCH_DEFAULTS.maxBatch,
      )
      .option(
        '--max-wait-ms <n>',
        "the server's --max-wait-ms",
        intInRange(0, 60_000),
        SERVE_BENCH_DEFAULTS.maxWaitMs,
      )
      .option('--max-len <n>', "the server's --max-len", intInRange(2, 512), SERVE_BENCH_DEFAULTS.maxLen)
      .option(
        '--soak-seconds <n>',
        'then this many seconds of mixed load, with the server memory sampled',
        intInRange(0, 86_400),
        SERVE_BENCH_DEFAULTS.soakSeconds,
      )
      .option(
        '--soak-connections <n>',
        'concurrent clients of the soak',
        intInRange(1, 1024),
        SERVE_BENCH_DEFAULTS.soakConnections,
      )
      .option('--json', 'one JSON object, with the command, commit and machine'),
  ).action(async (f: ServeBenchFlags) => {
    const connections = f.connections.map((c) => parseFlag('--connections', c, intInRange(1, 1024)));
    const about = provenance(process.argv);
    // The in-process forward timing runs on this process's kernels; the server gets the same threads.
    const result = await withEngine(f, (threads) =>
      benchServe({
        model: f.model,
        textsFile: f.textsFile,
        seconds: f.seconds,
        warmupSeconds: f.warmup,
        rounds: f.rounds,
        connections,
        maxBatch: f.maxBatch,
        maxWaitMs: f.maxWaitMs,
        maxLen: f.maxLen,
        threads: f.threads ?? threads,
        soakSeconds: f.soakSeconds,
        soakConnections: f.soakConnections,
        onStep: (line) => process.stderr.write(`${line}\n`),
      }),
    );
    if (f.json) process.stdout.write(`${JSON.stringify({ ...about, ...result })}\n`);
    else process.stdout.write(formatServeBench(result));
    if (!result.checks.zero_errors)
      throw new UserError(
        'The load test saw failed requests; see "errors", "non_2xx" and "timeouts" per run.',
      );
  });
}

function formatServeBench(r: ServeBenchResult): string {
  const lines = r.runs.map(
    (run) =>
      `${run.mode.padEnd(6)} ${String(run.connections).padStart(3)} clients: ${run.texts_per_second.toFixed(1).padStart(7)} texts/s, p50 ${run.latency_ms.p50} ms, p99 ${run.latency_ms.p99} ms, errors ${run.errors + run.non_2xx + run.timeouts}`,
  );
  const f = r.forward_ms_64_texts;
  lines.push(
    `mixed / single: ${Object.entries(r.mixed_to_single)
      .map(([c, v]) => `${c} clients ${v.toFixed(2)}`)
      .join(', ')}`,
    `merged / unmerged: ${Object.entries(r.merged_to_unmerged)
      .map(([c, v]) => `${c} clients ${v.toFixed(2)}`)
      .join(', ')}`,
    `one batch of 64 texts: plain single adapter ${f.plain_single_adapter.toFixed(1)} ms, served single ${f.served_single_adapter.toFixed(1)} ms, served mixed ${f.served_mixed_3_adapters.toFixed(1)} ms, served merged ${f.served_merged_single_adapter.toFixed(1)} ms`,
  );
  if (r.soak) {
    lines.push(
      `soak ${r.soak.seconds} s at ${r.soak.connections} clients: ${r.soak.texts_per_second.toFixed(1)} texts/s, resident memory median ${r.soak.rss_mb_median.first_half.toFixed(1)} → ${r.soak.rss_mb_median.second_half.toFixed(1)} MB (${r.soak.growth_percent.toFixed(2)} %), peak ${r.soak.rss_mb_peak.first_half.toFixed(1)} → ${r.soak.rss_mb_peak.second_half.toFixed(1)} MB`,
    );
  }
  return `${lines.join('\n')}\n`;
}
