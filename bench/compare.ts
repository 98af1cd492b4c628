import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const COMPARE_MODELS = ['tiny', 'small', 'minilm', 'distilbert', 'base'] as const;
export type CompareModel = (typeof COMPARE_MODELS)[number];

export interface CompareCase {
  model: CompareModel;
  method: 'full' | 'lora';
  mode: 'train' | 'infer';
}

/**
 * The cases of the speed issue: bert-tiny and Small-BERT as in the first wave, then the sizes people
 * fine-tune (MiniLM-L6-H384, DistilBERT, BERT-base).
 */
export const COMPARE_CASES: readonly CompareCase[] = [
  { model: 'tiny', method: 'full', mode: 'train' },
  { model: 'tiny', method: 'lora', mode: 'train' },
  { model: 'tiny', method: 'full', mode: 'infer' },
  { model: 'small', method: 'full', mode: 'train' },
  { model: 'small', method: 'lora', mode: 'train' },
  { model: 'minilm', method: 'lora', mode: 'train' },
  { model: 'minilm', method: 'full', mode: 'train' },
  { model: 'minilm', method: 'full', mode: 'infer' },
  { model: 'distilbert', method: 'lora', mode: 'train' },
  { model: 'distilbert', method: 'full', mode: 'infer' },
  { model: 'base', method: 'lora', mode: 'train' },
  { model: 'base', method: 'full', mode: 'train' },
  { model: 'base', method: 'full', mode: 'infer' },
];

/** What the table calls each shape. */
export const COMPARE_MODEL_NAMES: Record<CompareModel, string> = {
  tiny: 'bert-tiny',
  small: 'Small-BERT',
  minilm: 'MiniLM-L6-H384',
  distilbert: 'DistilBERT',
  base: 'BERT-base',
};

/**
 * Forward work per example relative to bert-tiny's, roughly (layers × hidden × (4 hidden + 2 FF)):
 * the big shapes get proportionally fewer steps, so the whole default run stays near a quarter hour
 * while every timing still spans seconds.
 */
const RELATIVE_WORK: Record<CompareModel, number> = {
  tiny: 1,
  small: 3,
  minilm: 13,
  distilbert: 52,
  base: 104,
};

export interface CompareRow extends CompareCase {
  /** Medians over the rounds (examples/s). */
  ours: number | null;
  pytorch: number | null;
  /** ours / pytorch of the medians. */
  ratio: number | null;
  /** Each round's ratio, in order: how much the machine moved during the run. */
  round_ratios: (number | null)[];
  ours_peak_rss_mb: number | null;
  pytorch_peak_rss_mb: number | null;
}

export interface CompareOptions {
  batch: number;
  seq: number;
  threads: number;
  steps: number;
  /** Ours then PyTorch's, this many times per case (default 1). */
  rounds?: number;
  python?: string;
  /** Our kernel backend; default: the default one (native where built). */
  backend?: 'native' | 'wasm' | 'reference';
  /** Only these shapes (default: all). */
  models?: readonly CompareModel[];
}

const root = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return dir;
})();

/** A Python that has torch: $PYTHON, else python3, else Debian's /usr/bin/python3 (python3-torch). */
export function findTorchPython(preferred?: string): { python: string; version: string } | null {
  const candidates = [preferred, process.env.PYTHON, 'python3', '/usr/bin/python3'].filter(
    (c): c is string => !!c,
  );
  for (const python of candidates) {
    const r = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
    if (r.status === 0) return { python, version: r.stdout.trim() };
  }
  return null;
}

function runJson(command: string, args: string[]): Record<string, unknown> | null {
  const r = spawnSync(command, args, { encoding: 'utf8', cwd: root, maxBuffer: 1 << 24 });
  if (r.status !== 0) return null;
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return null;
  }
}

/**
 * An inference step is a third of a training step and over in tens of milliseconds: it gets
 * INFER_STEP_FACTOR times the steps, so its timing too spans seconds rather than a fraction of one.
 */
const INFER_STEP_FACTOR = 4;

export function stepsFor(c: CompareCase, steps: number): number {
  const perMode = c.mode === 'infer' ? steps * INFER_STEP_FACTOR : steps;
  const work = RELATIVE_WORK[c.model];
  return work <= 3 ? perMode : Math.max(1, Math.round((perMode * 3) / work));
}

/** Untimed steps first: two for the small shapes (as before), one where a step takes seconds. */
export function warmupFor(c: CompareCase): number {
  return RELATIVE_WORK[c.model] <= 3 ? 2 : 1;
}

/** The middle value (mean of the two middle ones for an even count); null when there is none. */
export function median(values: readonly (number | null)[]): number | null {
  const v = values.filter((x): x is number => x !== null).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const h = Math.floor(v.length / 2);
  return v.length % 2 === 1 ? v[h] : (v[h - 1] + v[h]) / 2;
}

/**
 * Each case in a fresh process (so peak memory is the case's own), ours then PyTorch's, same shapes,
 * steps and threads. With several rounds the two alternate, so a slow spell of a shared machine
 * falls on both sides, and each side's median is reported.
 */
export function runComparison(o: CompareOptions, onRow?: (row: CompareRow) => void): CompareRow[] {
  const torch = findTorchPython(o.python);
  const rows: CompareRow[] = [];
  const num = (r: Record<string, unknown> | null, key: string): number | null =>
    typeof r?.[key] === 'number' ? (r[key] as number) : null;
  for (const c of COMPARE_CASES.filter((k) => !o.models || o.models.includes(k.model))) {
    const common = [
      '--batch',
      String(o.batch),
      '--seq',
      String(o.seq),
      '--steps',
      String(stepsFor(c, o.steps)),
      '--warmup',
      String(warmupFor(c)),
    ];
    const ours: (Record<string, unknown> | null)[] = [];
    const theirs: (Record<string, unknown> | null)[] = [];
    for (let round = 0; round < (o.rounds ?? 1); round++) {
      ours.push(
        runJson(process.execPath, [
          join(root, 'bin', 'lora-lab.js'),
          'bench',
          c.mode,
          '--model',
          c.model,
          '--method',
          c.method,
          '--threads',
          String(o.threads),
          ...(o.backend ? ['--backend', o.backend] : []),
          ...common,
          '--json',
        ]),
      );
      theirs.push(
        torch
          ? runJson(torch.python, [
              join(root, 'bench', 'pytorch_reference.py'),
              '--model',
              c.model,
              '--method',
              c.method,
              '--mode',
              c.mode,
              '--threads',
              String(o.threads),
              ...common,
            ])
          : null,
      );
    }
    const a = median(ours.map((r) => num(r, 'examples_per_second')));
    const b = median(theirs.map((r) => num(r, 'examples_per_second')));
    const row: CompareRow = {
      ...c,
      ours: a,
      pytorch: b,
      ratio: a !== null && b !== null ? a / b : null,
      round_ratios: ours.map((r, i) => {
        const x = num(r, 'examples_per_second');
        const y = num(theirs[i], 'examples_per_second');
        return x !== null && y !== null ? x / y : null;
      }),
      ours_peak_rss_mb: median(ours.map((r) => num(r, 'peak_rss_mb'))),
      pytorch_peak_rss_mb: median(theirs.map((r) => num(r, 'peak_rss_mb'))),
    };
    rows.push(row);
    onRow?.(row);
  }
  return rows;
}

export function formatComparison(rows: readonly CompareRow[]): string {
  const f = (v: number | null, d = 1) => (v === null ? '—' : v.toFixed(d));
  const lines = [
    '| case | ours (examples/s) | PyTorch (examples/s) | ours / PyTorch | each round | ours peak MB | PyTorch peak MB |',
    '|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    const name = `${COMPARE_MODEL_NAMES[r.model]}, ${r.method}, ${r.mode}`;
    lines.push(
      `| ${name} | ${f(r.ours)} | ${f(r.pytorch)} | ${f(r.ratio, 2)}× | ${r.round_ratios.map((x) => f(x, 2)).join(' ')} | ${f(r.ours_peak_rss_mb, 0)} | ${f(r.pytorch_peak_rss_mb, 0)} |`,
    );
  }
  return lines.join('\n');
}
