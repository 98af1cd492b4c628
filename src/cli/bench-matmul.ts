import type { Command } from 'commander';
import {
  benchMatmul,
  benchMatmulShapes,
  BERT_BASE_SHAPES,
  type MatmulBenchResult,
} from '../../bench/matmul.js';
import { benchMatmulAgainstPytorch, type MatmulAgainstPytorch } from '../../bench/matmul-pytorch.js';
import { defaultThreads } from '../kernels/index.js';
import { UserError } from '../errors.js';
import { printResult } from './bench-output.js';
import { addEngineOptions, type EngineOptions } from './engine.js';
import { intInRange, oneOf } from './options.js';

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

/** `bench matmul`: one GEMM's throughput, or a named set of shapes (against torch.matmul with --pytorch). */
export function registerBenchMatmul(bench: Command): void {
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
    printResult(result, f.json);
  });
}
