import type { Command } from 'commander';
import { benchData, DATA_BENCH_DEFAULTS, type DataBenchResult } from '../../bench/data.js';
import { UserError } from '../errors.js';
import { floatInRange, intInRange } from './options.js';
import { provenance } from './provenance.js';

/** `bench data`: the data pipeline at scale (preprocess and tokenize a generated export). */
export function registerBenchData(bench: Command): void {
  bench
    .command('data')
    .description(
      "The data pipeline at scale: a CFPB-shaped export of --rows rows (made from the shared complaints.csv in a temporary folder) through preprocess --recipe cfpb, then its sample tokenized cold and from the token cache; time and peak memory of each step. Issue 14's case: --rows 1000000 (about 1.15 GB; minutes).",
    )
    .option('--rows <n>', 'rows of the generated export', intInRange(1), DATA_BENCH_DEFAULTS.rows)
    .option(
      '--sample-frac <x>',
      'preprocess --sample-frac',
      floatInRange(0, 1),
      DATA_BENCH_DEFAULTS.sampleFrac,
    )
    .option('--max-len <n>', 'longest token sequence', intInRange(2, 8192), DATA_BENCH_DEFAULTS.maxLength)
    .option('--json', 'one JSON object, with the command, commit and machine')
    .action(async (f: { rows: number; sampleFrac: number; maxLen: number; json?: boolean }) => {
      if (f.sampleFrac <= 0) throw new UserError(`--sample-frac must be above 0, got ${f.sampleFrac}.`);
      // Taken before the minutes the benchmark runs: the code measured is the code as it was then.
      const about = provenance(process.argv);
      const result = await benchData({
        rows: f.rows,
        sampleFrac: f.sampleFrac,
        maxLength: f.maxLen,
        onStep: (line) => process.stderr.write(`${line}\n`),
      });
      if (f.json) process.stdout.write(`${JSON.stringify({ ...about, ...result })}\n`);
      else process.stdout.write(formatDataBench(result));
      const { checks } = result;
      if (!checks.preprocess_peak_within_limit) {
        throw new UserError(
          `preprocess peaked at ${Math.round(result.preprocess.peak_rss_mb)} MB, above the bound of ${checks.preprocess_peak_limit_mb} MB.`,
        );
      }
      if (!checks.cold_run_read_nothing_from_cache || !checks.warm_run_read_every_split_from_cache) {
        throw new UserError(
          `The token cache did not behave: the cold run read ${JSON.stringify(result.tokenize.cold.from_cache)} and the warm run ${JSON.stringify(result.tokenize.warm.from_cache)} from it.`,
        );
      }
    });
}

function formatDataBench(r: DataBenchResult): string {
  const mb = (x: number): string => `${Math.round(x)} MB`;
  const s = (x: number): string => `${x.toFixed(1)} s`;
  const p = r.preprocess;
  const t = r.tokenize;
  return [
    `export: ${r.rows} rows, ${(r.bytes / 1e9).toFixed(2)} GB (made in ${s(r.generate_seconds)})`,
    `preprocess --recipe cfpb --sample-frac ${r.sample_frac}: ${s(p.seconds)}, ${Math.round(p.rows_per_second)} rows/s, ${p.mb_per_second.toFixed(1)} MB/s, peak ${mb(p.peak_rss_mb)} (bound ${r.checks.preprocess_peak_limit_mb} MB); kept ${p.kept_rows} rows: ${p.splits.train} train, ${p.splits.val} val, ${p.splits.test} test`,
    `tokenize ${t.examples} examples (max length ${t.max_length}, ${t.tokens} tokens), cold: ${s(t.cold.tokenize_seconds)} tokenizing, ${s(t.cold.seconds)} in all, peak ${mb(t.cold.peak_rss_mb)}`,
    `tokenize again, from the cache (${t.warm.from_cache.join(', ') || 'nothing'}): ${s(t.warm.tokenize_seconds)}, ${s(t.warm.seconds)} in all, peak ${mb(t.warm.peak_rss_mb)}`,
    `load average: ${r.load_average.start.map((x) => x.toFixed(1)).join(' ')} at the start, ${r.load_average.end.map((x) => x.toFixed(1)).join(' ')} at the end`,
    '',
  ].join('\n');
}
