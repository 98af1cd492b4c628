import type { Command } from 'commander';
import {
  COMPARE_MODELS,
  findTorchPython,
  formatComparison,
  runComparison,
  type CompareModel,
} from '../../bench/compare.js';
import { BACKENDS, defaultThreads, type Backend } from '../kernels/index.js';
import { commaList, intInRange, oneOf } from './options.js';

function modelList(value: string): CompareModel[] {
  const pick = oneOf(COMPARE_MODELS);
  return commaList(value).map(pick);
}

/** `bench compare`: ours against plain PyTorch, rounds alternated, medians compared. */
export function registerBenchCompare(bench: Command): void {
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
}
