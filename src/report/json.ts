import type { AnchorComparison } from './anchors.js';
import { distinctRecords, type RunGroup } from './group.js';
import type { DataRecord } from '../data/data-record.js';
import type { Stat } from './stats.js';

/** comparison.json: the report's numbers for machines. Every Stat is {mean, std, n, values}, std null for n = 1. */
export interface ComparisonJson {
  generated_at: string;
  runs_dir: string;
  std: string;
  data_sources: string[];
  /** The runs' data records (files, rows and what was left out, columns, splits), each distinct one once. */
  data: DataRecord[];
  base_models: string[];
  groups: GroupJson[];
  anchors?: AnchorsJson;
}

export interface GroupJson {
  id: string;
  method: string;
  name: string;
  n: number;
  seeds: number[];
  runs: string[];
  /** The settings the report reads (lr, max_length, epochs, batch_size, lora_r, lora_alpha, lora_targets). */
  settings: Record<string, unknown>;
  /** The --max-steps cap of a smoke run (its numbers say nothing about the method); null for full trainings. */
  step_cap: number | null;
  /** The first seed's config as the run recorded it. */
  config: Record<string, unknown>;
  trainable_params: Stat;
  total_params: Stat;
  trainable_percent: Stat;
  test: Record<string, Stat>;
  timing: Record<string, Stat>;
  per_class: Record<string, { support: number; f1: Stat; precision: Stat; recall: Stat }>;
  confusion: { labels: string[]; counts: number[][]; summed_over_seeds: number };
  files: { confusion_png: string };
}

export interface AnchorsJson {
  file: string;
  matches: {
    group: string;
    ours_f1_weighted: Stat;
    reference_f1_weighted: number;
    difference: number;
    references: { name: string; lr: number; max_length: number; f1_weighted: number; r?: number }[];
    notes: string[];
  }[];
  unmatched: string[];
  /** Smoke runs (capped by --max-steps): compared with no reference. */
  smoke_runs_left_out: string[];
  best_of_method: {
    group: string;
    ours_f1_weighted: Stat;
    reference: { name: string; lr: number; max_length: number; f1_weighted: number };
    difference: number;
  }[];
}

const SNAKE: Record<keyof RunGroup['settings'], string> = {
  lr: 'lr',
  maxLength: 'max_length',
  epochs: 'epochs',
  batchSize: 'batch_size',
  loraR: 'lora_r',
  loraAlpha: 'lora_alpha',
  loraTargets: 'lora_targets',
};

function snakeSettings(g: RunGroup): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(g.settings).map(([k, v]) => [SNAKE[k as keyof RunGroup['settings']], v]),
  );
}

export function comparisonJson(
  groups: RunGroup[],
  runsDir: string,
  generatedAt: string,
  anchors?: AnchorComparison,
): ComparisonJson {
  const json: ComparisonJson = {
    generated_at: generatedAt,
    runs_dir: runsDir,
    std: 'sample standard deviation over seeds (n - 1 in the denominator); null when n = 1',
    data_sources: [...new Set(groups.flatMap((g) => g.dataSources))],
    data: distinctRecords(groups.flatMap((g) => g.dataRecords)),
    base_models: [...new Set(groups.flatMap((g) => g.baseModels))],
    groups: groups.map((g) => {
      const timing: Record<string, Stat> = {
        train_seconds: g.trainSeconds,
        train_examples_per_second: g.trainExamplesPerSecond,
      };
      if (g.evalSeconds) timing.eval_seconds = g.evalSeconds;
      if (g.evalExamplesPerSecond) timing.eval_examples_per_second = g.evalExamplesPerSecond;
      return {
        id: g.id,
        method: g.method,
        name: g.label,
        n: g.n,
        seeds: g.seeds,
        runs: g.runs.map((r) => r.dir),
        settings: snakeSettings(g),
        step_cap: g.stepCap,
        config: g.runs[0]!.results.config,
        trainable_params: g.trainableParams,
        total_params: g.totalParams,
        trainable_percent: g.trainablePercent,
        test: g.metrics,
        timing,
        per_class: Object.fromEntries(
          g.perClass.map((c) => [
            c.name,
            { support: c.support, f1: c.f1, precision: c.precision, recall: c.recall },
          ]),
        ),
        confusion: { ...g.confusion, summed_over_seeds: g.n },
        files: { confusion_png: `confusion_${g.id}.png` },
      };
    }),
  };
  if (anchors) {
    json.anchors = {
      file: anchors.file,
      matches: anchors.matches.map((m) => ({
        group: m.group.id,
        ours_f1_weighted: m.group.f1Weighted,
        reference_f1_weighted: m.referenceF1,
        difference: m.difference,
        references: m.references.map((r) => ({
          name: r.name,
          lr: r.lr,
          max_length: r.maxLength,
          f1_weighted: r.f1Weighted,
          ...(r.loraR !== undefined ? { r: r.loraR } : {}),
        })),
        notes: m.notes,
      })),
      unmatched: anchors.unmatched.map((g) => g.id),
      smoke_runs_left_out: anchors.smokeRuns.map((g) => g.id),
      best_of_method: anchors.bestOfMethod.map((b) => ({
        group: b.group.id,
        ours_f1_weighted: b.group.f1Weighted,
        reference: {
          name: b.reference.name,
          lr: b.reference.lr,
          max_length: b.reference.maxLength,
          f1_weighted: b.reference.f1Weighted,
        },
        difference: b.difference,
      })),
    };
  }
  return json;
}
