/**
 * GEMM against PyTorch's torch.matmul (issue 17's "≥ 1.0× torch.matmul"): for each shape, our kernel
 * then torch (bench/pytorch_matmul.py, a fresh process), `rounds` times in turn, so that the shared
 * machine's drift falls on both alike; the medians and their ratio are reported.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { createKernels } from '../src/kernels/index.js';
import { UserError } from '../src/errors.js';
import { findTorchPython, median } from './compare.js';
import { benchOne, peaks, type MatmulBenchOptions, type MatmulBenchResult } from './matmul.js';
import { packageRoot } from '../src/kernels/wasm/locate.js';

type Shape = Omit<MatmulBenchOptions, 'threads' | 'backend' | 'iterations'>;

/** The shape and backend fields are our side's own (MatmulBenchResult), so the two JSON rows match. */
export interface MatmulAgainstPytorch extends Pick<
  MatmulBenchResult,
  'm' | 'k' | 'n' | 'transA' | 'transB' | 'threads' | 'backend' | 'isa'
> {
  ours_gflops: number;
  pytorch_gflops: number;
  /** ours / PyTorch of the medians. */
  ratio: number;
  round_ratios: number[];
  peak_gflops: number | null;
  /** ours_gflops / peak_gflops: the "≥ 70 % of the machine's fp32 peak". */
  fraction_of_peak: number | null;
  torch: string;
  /** The BLAS torch was built against and the one its process loaded (OpenBLAS, or the slow reference BLAS). */
  blas_info: string;
  blas_loaded: string;
}

export async function benchMatmulAgainstPytorch(
  shapes: readonly Shape[],
  common: Pick<MatmulBenchOptions, 'threads' | 'backend' | 'iterations'>,
  rounds: number,
  python?: string,
  onResult?: (r: MatmulAgainstPytorch) => void,
): Promise<MatmulAgainstPytorch[]> {
  const torch = findTorchPython(python);
  if (!torch) {
    throw new UserError(
      'bench matmul --pytorch needs a Python with torch (set PYTHON, or on Debian: apt-get install python3-torch libopenblas0-pthread).',
    );
  }
  const kernels = await createKernels({ backend: common.backend, threads: common.threads });
  try {
    const peak = peaks(kernels);
    const results: MatmulAgainstPytorch[] = [];
    for (const shape of shapes) {
      const ours: MatmulBenchResult[] = [];
      const theirs: Record<string, unknown>[] = [];
      for (let round = 0; round < rounds; round++) {
        ours.push(benchOne(kernels, { ...shape, ...common }, peak));
        theirs.push(torchMatmul(torch.python, shape, kernels.threads, common.iterations));
      }
      const oursG = median(ours.map((r) => r.gflops)) as number;
      const theirsG = median(theirs.map((r) => r.gflops as number)) as number;
      const r: MatmulAgainstPytorch = {
        ...shape,
        threads: kernels.threads,
        backend: ours[0].backend,
        ...(ours[0].isa ? { isa: ours[0].isa } : {}),
        ours_gflops: oursG,
        pytorch_gflops: theirsG,
        ratio: oursG / theirsG,
        round_ratios: ours.map((o, i) => o.gflops / (theirs[i].gflops as number)),
        peak_gflops: peak.threads,
        fraction_of_peak: peak.threads === null ? null : oursG / peak.threads,
        torch: String(theirs[0].torch),
        blas_info: String(theirs[0].blas_info),
        blas_loaded: String(theirs[0].blas_loaded),
      };
      onResult?.(r);
      results.push(r);
    }
    return results;
  } finally {
    kernels.dispose();
  }
}

function torchMatmul(
  python: string,
  s: Shape,
  threads: number,
  iterations: number | undefined,
): Record<string, unknown> {
  const args = [
    join(packageRoot(), 'bench', 'pytorch_matmul.py'),
    ...['--m', String(s.m), '--k', String(s.k), '--n', String(s.n), '--threads', String(threads)],
    ...(s.transA ? ['--trans-a'] : []),
    ...(s.transB ? ['--trans-b'] : []),
    ...(iterations !== undefined ? ['--iterations', String(iterations)] : []),
  ];
  const r = spawnSync(python, args, { encoding: 'utf8' });
  const line = (r.stdout ?? '').trim().split('\n').pop() ?? '';
  let parsed: Record<string, unknown> | null = null;
  try {
    parsed = JSON.parse(line) as Record<string, unknown>;
  } catch {
    parsed = null;
  }
  if (r.status !== 0 || !parsed || typeof parsed.gflops !== 'number') {
    throw new UserError(
      `PyTorch's matmul run failed (${python} bench/pytorch_matmul.py, exit ${r.status}): ${(r.stderr ?? '').trim().split('\n').pop() ?? 'no output'}`,
    );
  }
  return parsed;
}
