import { existsSync, statSync } from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import {
  benchMatmul,
  benchMatmulShapes,
  BERT_BASE_SHAPES,
  type MatmulBenchResult,
} from '../../bench/matmul.js';
import { benchModel } from '../../bench/train.js';
import { benchInBrowser } from '../../bench/browser.js';
import { NAMED_SHAPES } from '../../bench/model-spec.js';
import {
  COMPARE_MODELS,
  findTorchPython,
  formatComparison,
  runComparison,
  type CompareModel,
} from '../../bench/compare.js';
import { benchMatmulAgainstPytorch, type MatmulAgainstPytorch } from '../../bench/matmul-pytorch.js';
import { benchData, DATA_BENCH_DEFAULTS, type DataBenchResult } from '../../bench/data.js';
import { registerBenchServe } from './bench-serve.js';
import { BACKENDS, defaultThreads, type Backend } from '../kernels/index.js';
import { formatProfile } from '../kernels/profile.js';
import { addEngineOptions, withEngine, type EngineOptions } from './engine.js';
import { UserError } from '../errors.js';
import { commaList, floatInRange, intInRange, oneOf } from './options.js';
import { provenance } from './provenance.js';
import { addOnnxOptions, benchOnnx, formatOnnxBench, type OnnxFlags } from './bench-onnx.js';

interface MatmulFlags extends EngineOptions {
  m: number;
  k: number;
  n: number;
  transA?: boolean;
  transB?: boolean;
  iterations: number;
  shapes?: 'bert-base';
  pytorch?: boolean;
  rounds: number;
  python?: string;
  json?: boolean;
}

/** Shapes given by name to `bench matmul --shapes`. */
const MATMUL_SHAPE_SETS = { 'bert-base': BERT_BASE_SHAPES } as const;
/** Timed calls per shape for a named set, unless --iterations says otherwise: the big shapes take 0.1 s and more each. */
const SHAPE_SET_ITERATIONS = 5;

function matmulRow(r: MatmulBenchResult): string {
  const t = `${r.transA ? 'T' : 'N'}${r.transB ? 'T' : 'N'}`;
  const pct = r.fraction_of_peak === null ? '' : ` ${(100 * r.fraction_of_peak).toFixed(0)}% of peak`;
  return `${r.m}×${r.k}×${r.n} ${t}: ${r.gflops.toFixed(1)} GFLOP/s${pct} (${(r.seconds_per_call * 1000).toFixed(1)} ms per call)`;
}

function matmulAgainstRow(r: MatmulAgainstPytorch): string {
  const t = `${r.transA ? 'T' : 'N'}${r.transB ? 'T' : 'N'}`;
  const pct = r.fraction_of_peak === null ? '' : `, ${(100 * r.fraction_of_peak).toFixed(0)}% of peak`;
  return `${r.m}×${r.k}×${r.n} ${t}: ours ${r.ours_gflops.toFixed(1)}${pct}, torch.matmul ${r.pytorch_gflops.toFixed(1)} GFLOP/s (${r.blas_info} BLAS): ${r.ratio.toFixed(2)}× (rounds ${r.round_ratios.map((x) => x.toFixed(2)).join(' ')})`;
}

interface ModelFlags extends EngineOptions {
  model: string;
  method: 'full' | 'lora';
  batch: number;
  seq: number;
  steps: number;
  warmup: number;
  gradientAccumulationSteps?: number;
  json?: boolean;
  profile?: boolean;
}

function print(result: object, json: boolean | undefined): void {
  if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else
    for (const [k, v] of Object.entries(result))
      process.stdout.write(`${k}: ${typeof v === 'number' ? +v.toFixed(3) : v}\n`);
}

/** --model: a named shape or an existing directory; anything else is a flag error (exit 2), as other flags' are. */
function shapeOrDirectory(value: string): string {
  if (value in NAMED_SHAPES || (existsSync(value) && statSync(value).isDirectory())) return value;
  throw new InvalidArgumentError(
    `must be one of ${Object.keys(NAMED_SHAPES).join(', ')} or a model directory, got "${value}".`,
  );
}

function modelList(value: string): CompareModel[] {
  const pick = oneOf(COMPARE_MODELS);
  return commaList(value).map(pick);
}

export function registerBench(program: Command): void {
  const bench = program
    .command('bench')
    .description(
      'Benchmarks (JSON with --json): matmul kernels, training and inference throughput, PyTorch comparison, the data pipeline at scale.',
    );

  addEngineOptions(
    bench
      .command('matmul')
      .description('GEMM throughput of the kernels (GFLOP/s).')
      .option('--m <n>', 'rows of op(A) and C', intInRange(1, 1 << 16), 4096)
      .option('--k <n>', 'inner dimension', intInRange(1, 1 << 16), 128)
      .option('--n <n>', 'columns of op(B) and C', intInRange(1, 1 << 16), 512)
      .option('--trans-a', 'A stored transposed ([k, m])')
      .option('--trans-b', 'B stored transposed ([n, k])')
      .option('--iterations <n>', 'timed calls', intInRange(1, 100000), 50)
      .option(
        '--shapes <set>',
        `a named set of shapes instead of --m/--k/--n: bert-base (its projections forward and backward at 4096 tokens; ${SHAPE_SET_ITERATIONS} calls each unless --iterations)`,
        oneOf(Object.keys(MATMUL_SHAPE_SETS) as (keyof typeof MATMUL_SHAPE_SETS)[]),
      )
      .option(
        '--pytorch',
        "with --shapes: each shape against PyTorch's torch.matmul on the same threads, --rounds times in turn",
      )
      .option('--rounds <n>', 'with --pytorch: rounds per shape; medians are compared', intInRange(1, 100), 3)
      .option(
        '--python <path>',
        'with --pytorch: a Python with torch (default: $PYTHON, python3, /usr/bin/python3)',
      )
      .option('--json', 'one JSON object (per shape with --shapes)'),
  ).action(async (f: MatmulFlags, command: Command) => {
    const threads = f.threads ?? defaultThreads();
    if (f.pytorch && !f.shapes)
      throw new UserError('--pytorch compares a named set of shapes: add --shapes bert-base.');
    if (f.shapes) {
      const iterations =
        command.getOptionValueSource('iterations') === 'default' ? SHAPE_SET_ITERATIONS : f.iterations;
      if (f.pytorch) {
        await benchMatmulAgainstPytorch(
          MATMUL_SHAPE_SETS[f.shapes],
          { threads, backend: f.backend, iterations },
          f.rounds,
          f.python,
          (r) => process.stdout.write(f.json ? `${JSON.stringify(r)}\n` : `${matmulAgainstRow(r)}\n`),
        );
        return;
      }
      const results = await benchMatmulShapes(
        MATMUL_SHAPE_SETS[f.shapes],
        { threads, backend: f.backend, iterations },
        (r) => {
          if (f.json) process.stdout.write(`${JSON.stringify(r)}\n`);
          else process.stdout.write(`${matmulRow(r)}\n`);
        },
      );
      const r = results[0];
      if (!f.json && r.peak_gflops !== null) {
        process.stdout.write(
          `${r.backend}${r.isa ? ` (${r.isa})` : ''}${r.fma ? ' (fused multiply-add)' : ''}, ${r.threads} thread(s): peak ${r.peak_gflops.toFixed(1)} GFLOP/s (1 thread: ${r.peak_gflops_1_thread?.toFixed(1)})\n`,
        );
      }
      return;
    }
    const result = await benchMatmul({
      m: f.m,
      k: f.k,
      n: f.n,
      transA: !!f.transA,
      transB: !!f.transB,
      threads,
      backend: f.backend,
      iterations: f.iterations,
    });
    print(result, f.json);
  });

  for (const mode of ['train', 'infer'] as const) {
    const command = addEngineOptions(
      bench
        .command(mode)
        .description(
          `${mode === 'train' ? 'Training' : 'Inference'} throughput of a model of any family on random ids (examples/s).`,
        )
        .option(
          '--model <name|dir>',
          `a shape (${Object.keys(NAMED_SHAPES).join(' | ')}; tiny is bert-tiny, small is Small-BERT, base is BERT-base) or a model directory, whose config.json gives the architecture (weights random)`,
          shapeOrDirectory,
          'tiny',
        )
        .option(
          '--method <name>',
          "full | lora (r 8 on the family's default targets: BERT's query and value)",
          oneOf(['full', 'lora'] as const),
          'full',
        )
        .option('--batch <n>', 'examples per step', intInRange(1, 4096), 32)
        .option('--seq <n>', 'tokens per example', intInRange(2, 512), 128)
        .option('--steps <n>', 'timed steps', intInRange(1, 100000), 10)
        .option('--warmup <n>', 'untimed steps first', intInRange(0, 1000), 2)
        .option('--json', 'one JSON object')
        .option('--profile', 'time every op and kernel; the split goes to stderr (and into the JSON)'),
    );
    if (mode === 'infer') addOnnxOptions(command);
    else
      command.option(
        '--gradient-accumulation-steps <n>',
        'run each batch as N micro-batches and add up their gradients (more when the kernels run out of memory)',
        intInRange(1, 4096),
        1,
      );
    command.action(async (f: ModelFlags & OnnxFlags) => {
      await withEngine(f, async () => {
        if (f.onnx) {
          if (f.method !== 'full')
            throw new UserError('bench infer --onnx compares plain inference; leave out --method.');
          const result = await benchOnnx({ ...f, rounds: f.rounds });
          process.stdout.write(
            f.json
              ? `${JSON.stringify({ ...provenance(process.argv), ...result })}\n`
              : formatOnnxBench(result),
          );
          return;
        }
        const result = benchModel({
          model: f.model,
          method: f.method,
          mode,
          batch: f.batch,
          seq: f.seq,
          steps: f.steps,
          warmup: f.warmup,
          gradientAccumulationSteps: f.gradientAccumulationSteps,
          profile: !!f.profile,
        });
        if (
          result.micro_batches !== undefined &&
          result.micro_batches !== result.gradient_accumulation_steps
        ) {
          process.stderr.write(
            `A batch of ${f.batch} did not fit in the kernels' memory: each step ran as ${result.micro_batches} micro-batches, their gradients added up.\n`,
          );
        }
        const { profile, ...rest } = result;
        if (profile) {
          const totalMs = result.seconds_per_step * 1000 * f.steps;
          const nested = (e: { name: string }) =>
            e.name.startsWith('kernel:') || e.name.startsWith('wasm:') || e.name.startsWith('native:');
          const ops = profile.filter((e) => !nested(e));
          const kernelRows = profile.filter(nested);
          process.stderr.write(
            `Per step (${f.steps} steps, ${(totalMs / f.steps).toFixed(1)} ms each). Ops, adding up to the step:\n` +
              `${formatProfile(ops, totalMs, f.steps)}\n\n` +
              `Kernels (inside the ops above, staging copies included):\n` +
              `${formatProfile(kernelRows, totalMs, f.steps)}\n`,
          );
        }
        print(f.json ? result : rest, f.json);
      });
    });
  }

  bench
    .command('compare')
    .description(
      'Ours against plain PyTorch on the same machine, shapes, steps and threads: one table of ratios.',
    )
    .option('--threads <n>', 'threads for both', intInRange(1, 256))
    .option('--batch <n>', 'examples per step', intInRange(1, 4096), 32)
    .option('--seq <n>', 'tokens per example', intInRange(2, 512), 128)
    .option('--steps <n>', 'timed training steps per case (inference: 4× as many)', intInRange(1, 1000), 10)
    .option(
      '--rounds <n>',
      'ours then PyTorch this many times per case; medians are compared (a shared machine drifts)',
      intInRange(1, 100),
      3,
    )
    .option('--python <path>', 'a Python with torch (default: $PYTHON, python3, /usr/bin/python3)')
    .option(
      '--backend <name>',
      'our kernel backend (default: LORA_LAB_BACKEND or the fastest built)',
      oneOf(BACKENDS),
    )
    .option(
      '--models <list>',
      `only these shapes, comma-separated (${COMPARE_MODELS.join(', ')}; default all)`,
      modelList,
    )
    .option('--json', 'JSON rows instead of the table')
    .action(
      (f: {
        models?: CompareModel[];
        threads?: number;
        batch: number;
        seq: number;
        steps: number;
        rounds: number;
        python?: string;
        backend?: Backend;
        json?: boolean;
      }) => {
        const torch = findTorchPython(f.python);
        if (!torch) {
          process.stderr.write(
            'PyTorch was not found (tried $PYTHON, python3, /usr/bin/python3); only our numbers are shown. ' +
              "On Debian, 'apt-get install python3-torch' gives PyTorch 1.13.\n",
          );
        } else if (!f.json) {
          process.stderr.write(`PyTorch ${torch.version} (${torch.python})\n`);
        }
        const threads = f.threads ?? defaultThreads();
        const rows = runComparison(
          {
            batch: f.batch,
            seq: f.seq,
            threads,
            steps: f.steps,
            rounds: f.rounds,
            python: f.python,
            backend: f.backend,
            models: f.models,
          },
          (row) => {
            if (!f.json)
              process.stderr.write(
                `${row.model} ${row.method} ${row.mode}: ours ${row.ours?.toFixed(1) ?? '—'}, PyTorch ${row.pytorch?.toFixed(1) ?? '—'} examples/s (median of ${f.rounds})\n`,
              );
          },
        );
        if (f.json)
          for (const r of rows)
            process.stdout.write(`${JSON.stringify({ ...r, threads, batch: f.batch, seq: f.seq })}\n`);
        else
          process.stdout.write(
            `\n${threads} threads, batch ${f.batch}, length ${f.seq}, ${f.steps} steps, ${f.rounds} round(s)\n\n${formatComparison(rows)}\n`,
          );
      },
    );

  bench
    .command('browser')
    .description(
      "bench train's case inside Chromium (the web app's engine: WebAssembly kernels, Web Workers as threads), then in Node on as many threads: both examples/s and their ratio.",
    )
    .option(
      '--model <name>',
      `a named shape (${Object.keys(NAMED_SHAPES).join(' | ')})`,
      oneOf(Object.keys(NAMED_SHAPES)),
      'tiny',
    )
    .option('--method <name>', 'full | lora', oneOf(['full', 'lora'] as const), 'lora')
    .option('--batch <n>', 'examples per step', intInRange(1, 4096), 32)
    .option('--seq <n>', 'tokens per example', intInRange(2, 512), 128)
    .option('--steps <n>', 'timed steps', intInRange(1, 100000), 10)
    .option('--warmup <n>', 'untimed steps first', intInRange(0, 1000), 2)
    .option(
      '--threads <n>',
      'threads for both (default: LORA_LAB_THREADS or the number of cores)',
      intInRange(1, 256),
    )
    .option('--chromium <path>', 'the browser to drive', '/usr/bin/chromium')
    .option('--json', 'one JSON object')
    .action(
      async (
        f: Omit<ModelFlags, 'backend' | 'profile' | 'method'> & { method: 'full' | 'lora'; chromium: string },
      ) => {
        const threads = f.threads ?? defaultThreads();
        const options = {
          model: f.model,
          method: f.method,
          mode: 'train' as const,
          batch: f.batch,
          seq: f.seq,
          steps: f.steps,
          warmup: f.warmup,
        };
        const browser = await benchInBrowser({ ...options, threads, executablePath: f.chromium });
        const node = await withEngine({ threads, backend: 'wasm' }, async () => benchModel(options));
        const ratio = browser.examples_per_second / node.examples_per_second;
        if (f.json) {
          process.stdout.write(
            `${JSON.stringify({ ...provenance(process.argv), node, browser, browser_vs_node: ratio })}\n`,
          );
          return;
        }
        process.stdout.write(
          `${f.model} ${f.method} training, batch ${f.batch}, length ${f.seq}, ${threads} threads, ${f.steps} steps:\n` +
            `  Node     ${node.examples_per_second.toFixed(1)} examples/s\n` +
            `  ${browser.browser}  ${browser.examples_per_second.toFixed(1)} examples/s (${(100 * ratio).toFixed(0)} % of Node)\n`,
        );
      },
    );

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

  registerBenchServe(bench);
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
