import { stepCap, type Method } from '../train/results.js';
import type { DataRecord } from '../data/data-record.js';
import type { LoadedRun } from './load.js';
import { summarize, type Stat } from './stats.js';
import {
  describeSetting,
  differingSettings,
  experimentKey,
  extractSettings,
  slugSetting,
  type RunSettings,
  type SettingName,
} from './settings.js';

export interface ClassSummary {
  name: string;
  /** Test examples of this class, mean over seeds. */
  support: number;
  f1: Stat;
  precision: Stat;
  recall: Stat;
}

/** The runs of one experiment (method + config) over several seeds, every number summarised. */
export interface RunGroup {
  /** Unique and file-name safe: the method, plus the settings that tell its groups apart. */
  id: string;
  method: Method;
  /** Unique display name. */
  label: string;
  runs: LoadedRun[];
  n: number;
  seeds: number[];
  settings: RunSettings;
  /** The --max-steps cap the runs were trained under: a smoke run, not comparable with full trainings. */
  stepCap: number | null;
  trainableParams: Stat;
  totalParams: Stat;
  /** 100 × trainable / total. */
  trainablePercent: Stat;
  f1Weighted: Stat;
  accuracy: Stat;
  f1Macro: Stat;
  /** Every numeric test metric all runs report (f1_weighted, precision_macro, loss, …), by its results.json name. */
  metrics: Record<string, Stat>;
  trainSeconds: Stat;
  trainExamplesPerSecond: Stat;
  evalSeconds: Stat | null;
  evalExamplesPerSecond: Stat | null;
  testExamples: number | null;
  /** Most supported class first. */
  perClass: ClassSummary[];
  /** Confusion counts summed over seeds; counts[true][predicted] (none for multi-label runs). */
  confusion: { labels: string[]; counts: number[][] };
  /**
   * The runs are multi-label classifiers: accuracy is the subset accuracy, `metrics` holds f1_micro,
   * f1_samples and the other multi_label averages, and there is no confusion matrix.
   */
  multiLabel: boolean;
  dataSources: string[];
  /** What the runs were trained and tested on (results.json's `data`), each distinct record once. */
  dataRecords: DataRecord[];
  baseModels: string[];
}

export const METHOD_ORDER: readonly Method[] = ['scratch', 'full', 'lora'];

export const METHOD_NAMES: Record<Method, string> = {
  scratch: 'Small-BERT from scratch',
  full: 'bert-tiny full fine-tune',
  lora: 'bert-tiny + LoRA',
};

function mostCommon(values: string[]): string {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best = values[0]!;
  for (const [v, c] of counts) if (c > counts.get(best)!) best = v;
  return best;
}

function distinct(values: (string | undefined | null)[]): string[] {
  return [...new Set(values.filter((v): v is string => typeof v === 'string' && v !== ''))];
}

/** Each data record once (records equal in every field are one), in the order first seen. */
export function distinctRecords(records: readonly (DataRecord | undefined)[]): DataRecord[] {
  const byKey = new Map<string, DataRecord>();
  for (const record of records)
    if (record) byKey.set(JSON.stringify(record), byKey.get(JSON.stringify(record)) ?? record);
  return [...byKey.values()];
}

function optionalStat(values: (number | undefined)[]): Stat | null {
  return values.every((v) => typeof v === 'number' && Number.isFinite(v))
    ? summarize(values as number[])
    : null;
}

/** Union of the runs' class lists, in the order they first appear. */
function unionLabels(runs: LoadedRun[]): string[] {
  const labels: string[] = [];
  for (const run of runs) for (const l of run.results.test.labels) if (!labels.includes(l)) labels.push(l);
  return labels;
}

function sumConfusion(runs: LoadedRun[], labels: string[]): number[][] {
  const counts = labels.map(() => labels.map(() => 0));
  for (const run of runs) {
    const { labels: own, confusion } = run.results.test;
    if (confusion.length === 0) continue; // a multi-label run's
    own.forEach((trueName, i) => {
      const ti = labels.indexOf(trueName);
      own.forEach((predName, j) => {
        counts[ti]![labels.indexOf(predName)]! += confusion[i]![j]!;
      });
    });
  }
  return counts;
}

function summarizeClasses(runs: LoadedRun[], labels: string[]): ClassSummary[] {
  const names = [...labels];
  for (const run of runs)
    for (const name of Object.keys(run.results.test.per_class)) if (!names.includes(name)) names.push(name);
  const classes: ClassSummary[] = [];
  for (const name of names) {
    const entries = runs.map((r) => r.results.test.per_class[name]).filter((m) => m !== undefined);
    if (entries.length === 0) continue;
    classes.push({
      name,
      support: entries.reduce((s, m) => s + m.support, 0) / entries.length,
      f1: summarize(entries.map((m) => m.f1)),
      precision: summarize(entries.map((m) => m.precision)),
      recall: summarize(entries.map((m) => m.recall)),
    });
  }
  return classes.sort((a, b) => b.support - a.support || a.name.localeCompare(b.name));
}

/** A run's numeric test metrics, the multi-label averages (f1_micro, f1_samples …) among them. */
function flatMetrics(run: LoadedRun): Record<string, unknown> {
  const { multi_label: multiLabel, ...test } = run.results.test;
  return { ...test, ...(multiLabel ?? {}) };
}

function numericMetrics(runs: LoadedRun[]): Record<string, Stat> {
  const all = runs.map(flatMetrics);
  const metrics: Record<string, Stat> = {};
  for (const key of Object.keys(all[0]!)) {
    if (key === 'examples') continue;
    const values = all.map((m) => m[key]);
    if (values.every((v) => typeof v === 'number' && Number.isFinite(v)))
      metrics[key] = summarize(values as number[]);
  }
  return metrics;
}

function summarizeGroup(runs: LoadedRun[]): Omit<RunGroup, 'id' | 'label'> {
  const sorted = [...runs].sort((a, b) => a.results.seed - b.results.seed || a.dir.localeCompare(b.dir));
  const res = sorted.map((r) => r.results);
  const labels = unionLabels(sorted);
  const metrics = numericMetrics(sorted);
  const examples = res.map((r) => r.test.examples).filter((e) => typeof e === 'number');
  return {
    method: res[0]!.method,
    runs: sorted,
    n: sorted.length,
    seeds: res.map((r) => r.seed),
    settings: extractSettings(res[0]!.config),
    stepCap: stepCap(res[0]!),
    trainableParams: summarize(res.map((r) => r.trainable_params)),
    totalParams: summarize(res.map((r) => r.total_params)),
    trainablePercent: summarize(res.map((r) => (100 * r.trainable_params) / r.total_params)),
    f1Weighted: metrics.f1_weighted!,
    accuracy: metrics.accuracy!,
    f1Macro: metrics.f1_macro!,
    metrics,
    trainSeconds: summarize(res.map((r) => r.timing.train_seconds)),
    trainExamplesPerSecond: summarize(res.map((r) => r.timing.train_examples_per_second)),
    evalSeconds: optionalStat(res.map((r) => r.timing.eval_seconds)),
    evalExamplesPerSecond: optionalStat(res.map((r) => r.timing.eval_examples_per_second)),
    testExamples: examples.length ? examples.reduce((s, e) => s + e, 0) / examples.length : null,
    perClass: summarizeClasses(sorted, labels),
    confusion: { labels, counts: sumConfusion(sorted, labels) },
    multiLabel: res.some((r) => r.test.multi_label !== undefined),
    dataSources: distinct(res.map((r) => r.data_source)),
    dataRecords: distinctRecords(res.map((r) => r.data)),
    baseModels: distinct(res.map((r) => r.base_model)),
  };
}

function compareGroups(a: Omit<RunGroup, 'id' | 'label'>, b: Omit<RunGroup, 'id' | 'label'>): number {
  const byMethod = METHOD_ORDER.indexOf(a.method) - METHOD_ORDER.indexOf(b.method);
  if (byMethod !== 0) return byMethod;
  const key = (g: typeof a, k: string): number | undefined =>
    k === 'params' ? g.trainableParams.mean : g.settings[k as SettingName];
  for (const k of ['lr', 'maxLength', 'params', 'loraAlpha', 'epochs', 'batchSize']) {
    const x = key(a, k);
    const y = key(b, k);
    if (x === y) continue;
    if (x === undefined) return 1;
    if (y === undefined) return -1;
    return x - y;
  }
  return a.runs[0]!.dir.localeCompare(b.runs[0]!.dir);
}

/**
 * Groups runs by method and experiment config (everything but seeds and paths), summarises each group
 * over its seeds, orders them scratch → full → LoRA, and gives each a unique label and id.
 */
export function groupRuns(runs: LoadedRun[]): RunGroup[] {
  const buckets = new Map<string, LoadedRun[]>();
  for (const run of runs) {
    const key = `${run.results.method}\u0000${experimentKey(run.results.config)}`;
    const bucket = buckets.get(key);
    if (bucket) bucket.push(run);
    else buckets.set(key, [run]);
  }
  const partial = [...buckets.values()].map(summarizeGroup).sort(compareGroups);
  // "bert-tiny (full)" + "lr 2e-5" → "bert-tiny (full, lr 2e-5)", not two pairs of brackets.
  const bracket = (base: string, suffix: string): string =>
    base.endsWith(')') ? `${base.slice(0, -1)}, ${suffix})` : `${base} (${suffix})`;
  // A capped run says so in its name, wherever the name goes (tables, charts, legends), first in the
  // brackets so that a chart shortening a long name never cuts it off.
  const names = partial.map((g) => {
    const name = mostCommon(g.runs.map((r) => r.results.name));
    if (g.stepCap === null) return name;
    const open = name.endsWith(')') ? name.lastIndexOf('(') : -1;
    const smoke = smokeRunLabel(g.stepCap);
    return open > 0 ? `${name.slice(0, open + 1)}${smoke}, ${name.slice(open + 1)}` : `${name} (${smoke})`;
  });
  const labels = uniqueNames(
    partial,
    (_, i) => names[i]!,
    (g, keys) => keys.map((k) => describeSetting(k, g.settings[k]!)).join(', '),
    bracket,
  );
  const ids = uniqueNames(
    partial,
    (g) => (g.stepCap === null ? g.method : `${g.method}-smoke${g.stepCap}`),
    (g, keys) => keys.map((k) => slugSetting(k, g.settings[k]!)).join('-'),
    (base, suffix) => `${base}-${suffix}`.replace(/[^A-Za-z0-9._-]+/g, '-'),
  );
  return partial.map((g, i) => ({ ...g, id: ids[i]!, label: labels[i]! }));
}

/**
 * Makes names unique: where several groups share a base name, each gets a suffix built from the known
 * settings that differ among them; where even that does not separate them, a running number.
 */
function uniqueNames<G extends { settings: RunSettings }>(
  groups: G[],
  base: (g: G, i: number) => string,
  describe: (g: G, keys: ReturnType<typeof differingSettings>) => string,
  join: (base: string, suffix: string) => string,
): string[] {
  const bases = groups.map(base);
  const result = [...bases];
  for (const name of new Set(bases)) {
    const members = bases.flatMap((b, i) => (b === name ? [i] : []));
    if (members.length < 2) continue;
    const keys = differingSettings(members.map((i) => groups[i]!.settings));
    for (const i of members) {
      const own = keys.filter((k) => groups[i]!.settings[k] !== undefined);
      result[i] = own.length ? join(name, describe(groups[i]!, own)) : name;
    }
  }
  const seen = new Map<string, number>();
  const counts = new Map<string, number>();
  for (const r of result) counts.set(r, (counts.get(r) ?? 0) + 1);
  return result.map((r) => {
    if (counts.get(r)! < 2) return r;
    const k = (seen.get(r) ?? 0) + 1;
    seen.set(r, k);
    return join(r, String(k));
  });
}

/** "smoke run: 5 steps": how a run capped by --max-steps is named. */
export function smokeRunLabel(cap: number): string {
  return `smoke run: ${cap} step${cap === 1 ? '' : 's'}`;
}
