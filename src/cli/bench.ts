import type { Command } from 'commander';
import { registerBenchBrowser } from './bench-browser.js';
import { registerBenchCompare } from './bench-compare.js';
import { registerBenchData } from './bench-data.js';
import { registerBenchMatmul } from './bench-matmul.js';
import { registerBenchModel } from './bench-model.js';
import { registerBenchServe } from './bench-serve.js';

export function registerBench(program: Command): void {
  const bench = program
    .command('bench')
    .description(
      'Benchmarks (JSON with --json): matmul kernels, training and inference throughput, PyTorch comparison, the data pipeline at scale.',
    );
  registerBenchMatmul(bench);
  registerBenchModel(bench);
  registerBenchCompare(bench);
  registerBenchBrowser(bench);
  registerBenchData(bench);
  registerBenchServe(bench);
}
