import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { preprocessComplaints, PREPROCESS_DEFAULTS } from '../data/preprocess.js';
import { formatPreprocessedFiles, formatSplitFiles } from '../data/split-files.js';
import { prepareLabelledData } from '../data/prepare-labelled.js';
import { labelledDataRecord } from '../data/data-record.js';
import { describeData } from '../data/data-record-text.js';
import { downloadComplaints } from '../data/download.js';
import { writeFileAtomic, writeJsonAtomic } from '../io/atomic-write.js';
import { writeNamedFiles } from '../io/named-files.js';
import { sharedPath } from '../io/shared-dir.js';
import { parseResults, writeReport } from '../report/index.js';
import { countOf } from '../report/format.js';
import { kernels } from '../kernels/active.js';
import { Rng } from '../tensor/random.js';
import { stepCap, type RunResults, type Method } from '../train/results.js';
import { latestCheckpoint } from '../train/checkpoint.js';
import type { TrainProgress } from '../train/trainer.js';
import { METHODS, PRESETS, type MethodSettings, type PresetName } from './presets.js';
import { UserError } from '../errors.js';
import { resolveDataSource, type ResolvedSource } from './sources.js';
import {
  DEFAULT_SCRATCH_SHAPE,
  EARLY_STOPPING_FLAG,
  hasResults,
  runTraining,
  type LabelledFilesOptions,
} from './train-run.js';
import { methodStepCosts } from './step-cost.js';
import type { Backend } from '../kernels/index.js';
import type { RunWorkerData } from './run-worker.js';
import { atMostAtOnce, trainOnWorker, type WorkerRun } from './runs-at-once.js';
import { StudyClock, type PlannedRun, type StudyProgress } from './study-clock.js';

export interface ExperimentsOptions {
  /** A CFPB complaints export, read through the study's recipe (the default data). */
  input?: string;
  /** Or else labelled files of the user's own: splits carved by the split's own seed where files are missing. */
  dataFiles?: LabelledFilesOptions;
  /** A resolved base model (the CLI downloads one first when none is found). */
  baseModel: ResolvedSource;
  outputDir: string;
  preset: PresetName;
  seeds: number;
  /** First seed; run i uses firstSeed + i. */
  firstSeed?: number;
  methods?: readonly Method[];
  /** Keep runs that already have results.json (an interrupted study continues where it stopped). */
  skipCompleted?: boolean;
  /** Keep each finished run's checkpoints (by default they are deleted once its results are written). */
  keepCheckpoints?: boolean;
  /** Stop each training after this many steps (smoke runs). */
  maxSteps?: number;
  /** Micro-batches per batch for every training, instead of the preset's (the same update, less memory). */
  gradientAccumulationSteps?: number;
  /** Early stopping's patience for every training, instead of the preset's (0: off). */
  earlyStoppingPatience?: number;
  /** Multi-label data: the decision threshold on each label's probability (default 0.5). */
  threshold?: number;
  threads?: number;
  /**
   * Trainings at once (default 1), each on a worker thread with threads / jobs threads: small models
   * use two threads poorly, so two runs on one thread each finish sooner (runs-at-once.ts).
   */
  jobs?: number;
  signal?: AbortSignal;
  log?: (line: string) => void;
  /** A training starts: "run 4/9: full, seed 43". */
  onTrainStart?: (label: string) => void;
  onProgress?: (p: TrainProgress, study: StudyProgress) => void;
  /** With jobs > 1, instead of onTrainStart and onProgress: the steps of all runs together. */
  onStudyProgress?: (update: {
    done: number;
    total: number;
    status: string;
    /** The same in units of work (steps weighed by their run's cost), for the time left. */
    work: { done: number; total: number };
  }) => void;
  /** The command, commit and machine (from the CLI), recorded in study.json. */
  provenance?: object;
}

export interface ExperimentsOutcome {
  runs: RunResults[];
  reportFiles: string[];
  dataDir: string;
}

/**
 * The whole study: preprocess the complaints, train the three methods (for each seed), then write the
 * comparison report. Layout: <out>/data (splits), <out>/runs/<method>/seed-<n>/ (one run each),
 * <out>/comparison.md, comparison.json, report.html and the charts.
 */
export async function runExperiments(o: ExperimentsOptions): Promise<ExperimentsOutcome> {
  const log = o.log ?? (() => {});
  const startedAt = new Date();
  const preset = PRESETS[o.preset];
  const outputDir = resolve(o.outputDir);
  const dataDir = join(outputDir, 'data');
  // Own data is read and checked before the output folder is made: a bad file leaves nothing behind.
  const data = o.dataFiles
    ? await prepareOwnData(o.dataFiles, dataDir, log)
    : await prepareStudyData(o, dataDir, log);
  mkdirSync(outputDir, { recursive: true });
  log(`base model: ${o.baseModel.description}`);
  log(`preset: ${preset.name} (${preset.description})`);
  const s = data.splits;

  const firstSeed = o.firstSeed ?? 42;
  const plan = planRuns(o, outputDir, firstSeed, s.train);
  const costs = methodStepCosts(o.methods ?? METHODS, o.baseModel.path, DEFAULT_SCRATCH_SHAPE);
  const clock = new StudyClock(plan.map((run) => ({ ...run, stepCost: costs.get(run.method) })));
  const kept = plan.filter((r) => r.kept).length;
  log(
    `study: ${countOf(plan.length, 'run')} (${(o.methods ?? METHODS).join(', ')}, ${countOf(o.seeds, 'seed')} from ${firstSeed})${kept > 0 ? `, ${kept} of them already done` : ''}`,
  );
  const labels = plan.map((run, index) => `run ${index + 1}/${plan.length}: ${run.method}, seed ${run.seed}`);
  for (const [index, run] of plan.entries()) {
    if (run.kept) {
      assertSameSettings(run.dir, run.settings);
      log(`${labels[index]}: already done, kept`);
    } else if (run.stale) {
      log(`${labels[index]}: ${run.stale}; training it again`);
      rmSync(run.dir, { recursive: true, force: true });
    }
  }
  const toTrain = [...plan.keys()].filter((index) => !plan[index].kept);
  const jobs = Math.min(o.jobs ?? 1, toTrain.length);
  const runs: RunResults[] = [];
  if (jobs > 1) {
    const cost = (index: number) => plan[index].steps * (costs.get(plan[index].method) ?? 1);
    const costliestFirst = [...toTrain].sort((a, b) => cost(b) - cost(a));
    const stepCostOf = (index: number) => costs.get(plan[index].method) ?? 1;
    runs.push(
      ...(await trainAtOnce(o, plan, costliestFirst, stepCostOf, jobs, labels, dataDir, data.source)),
    );
  } else {
    for (const index of toTrain) {
      o.onTrainStart?.(labels[index]);
      clock.start(index);
      const options = plannedRunOptions(o, plan[index], dataDir, data.source);
      const results = await runTraining({
        ...options,
        signal: o.signal,
        log: o.log,
        onProgress: (p) => o.onProgress?.(p, clock.step(p.step, p.totalSteps)),
      });
      clock.finish();
      runs.push(results);
    }
  }

  const anchors = sharedPath('anchors', 'pytorch_reference.json');
  const report = await writeReport({
    runsDir: join(outputDir, 'runs'),
    outputDir,
    anchorsPath: existsSync(anchors) ? anchors : undefined,
  });
  writeJsonAtomic(join(outputDir, 'study.json'), {
    preset: preset.name,
    preset_description: preset.description,
    settings: preset.methods,
    seeds: o.seeds,
    first_seed: firstSeed,
    methods: o.methods ?? METHODS,
    max_steps: o.maxSteps ?? 0,
    threads: o.threads ?? null,
    // Results differ between backends by rounding (same seed, same splits), so say which computed them.
    backend: kernels().name,
    data_source: data.source,
    base_model: o.baseModel.description,
    started_at: startedAt.toISOString(),
    finished_at: new Date().toISOString(),
    wall_seconds: Math.round((Date.now() - startedAt.getTime()) / 1000),
    ...(o.provenance ? { provenance: o.provenance } : {}),
  });
  return { runs, reportFiles: report.files, dataDir };
}

interface PreparedStudyData {
  /** One line naming the data, for logs, study.json and each run's results.json. */
  source: string;
  splits: { train: number; val: number; test: number };
}

/**
 * The study's data: the complaints export (found, or downloaded) through the CFPB recipe, its splits
 * written to `dataDir` with the preset's validation and test fractions and the study's split seed.
 */
async function prepareStudyData(
  o: ExperimentsOptions,
  dataDir: string,
  log: (line: string) => void,
): Promise<PreparedStudyData> {
  const preset = PRESETS[o.preset];
  const data = resolveDataSource(o.input);
  if (data.kind === 'download') {
    log(`No complaints file found; downloading a sample to ${data.path}`);
    const downloaded = await downloadComplaints({ size: 10_000 });
    writeFileAtomic(data.path, downloaded.csv);
  }
  log(`data: ${data.description}`);
  const processed = await preprocessComplaints(data.path, {
    ...PREPROCESS_DEFAULTS,
    testSize: preset.testSize,
    valSize: preset.valSize,
    rng: new Rng(PREPROCESS_DEFAULTS.seed),
  });
  writeNamedFiles(dataDir, formatPreprocessedFiles(processed));
  const s = processed.summary.splits;
  log(
    `preprocessed: ${s.train} train, ${s.val} val, ${s.test} test rows in ${countOf(processed.labelMap.names.length, 'class', 'classes')}`,
  );
  return { source: data.description, splits: s };
}

/** The user's labelled files, split as preprocess --train-file splits them, written to `dataDir`. */
async function prepareOwnData(
  files: LabelledFilesOptions,
  dataDir: string,
  log: (line: string) => void,
): Promise<PreparedStudyData> {
  const prepared = await prepareLabelledData({ ...files, rng: new Rng(files.seed) });
  const withVal = prepared.summary.sources.val !== 'none';
  writeNamedFiles(dataDir, formatSplitFiles(prepared, withVal, 'none'));
  for (const line of describeData(labelledDataRecord(prepared.summary))) log(line);
  const source = [
    `${resolve(files.trainFile)} (--train-file)`,
    ...(files.validationFile ? [`${resolve(files.validationFile)} (--validation-file)`] : []),
    ...(files.testFile ? [`${resolve(files.testFile)} (--test-file)`] : []),
  ].join(', ');
  log(`data: ${source}`);
  return { source, splits: prepared.summary.splits };
}

/**
 * The runs `order` (indices into the plan, started in that order), `jobs` at a time, each on a worker
 * thread with its share of the threads; their results in plan order. Their lines go to the log named by
 * run, and one progress line counts the steps of them all (its time left weighs each step by
 * `stepCostOf` its run: a LoRA step costs less than a full one).
 */
async function trainAtOnce(
  o: ExperimentsOptions,
  plan: readonly PlannedStudyRun[],
  order: readonly number[],
  stepCostOf: (index: number) => number,
  jobs: number,
  labels: readonly string[],
  dataDir: string,
  dataSource: string,
): Promise<RunResults[]> {
  const threads = Math.max(1, Math.floor((o.threads ?? 1) / jobs));
  // Each run's steps done and to do, and its epoch while it trains; a run that stops early is
  // counted at the steps it took.
  const counts = new Map(order.map((index) => [index, { step: 0, steps: plan[index].steps, epoch: '' }]));
  const report = () => {
    const all = [...counts.entries()];
    const sum = (of: (index: number, c: { step: number; steps: number }) => number) =>
      all.reduce((total, [index, c]) => total + of(index, c), 0);
    o.onStudyProgress?.({
      done: sum((_, c) => c.step),
      total: sum((_, c) => c.steps),
      work: { done: sum((i, c) => c.step * stepCostOf(i)), total: sum((i, c) => c.steps * stepCostOf(i)) },
      status: [...counts.entries()]
        .filter(([, c]) => c.epoch !== '')
        .map(([index, c]) => `${plan[index].method} epoch ${c.epoch}`)
        .join(' · '),
    });
  };
  o.log?.(
    `training ${countOf(order.length, 'run')}, ${jobs} at a time on ${countOf(threads, 'thread')} each`,
  );
  // When the last run has started, a run that finishes leaves its threads to those still training.
  const live = new Set<WorkerRun>();
  let started = 0;
  const handOver = () => {
    if (started < order.length || live.size === 0) return;
    const share = Math.max(1, Math.floor((o.threads ?? 1) / live.size));
    for (const run of live) run.useThreads(share);
  };
  const results = await atMostAtOnce(
    order.map((index) => (signal: AbortSignal) => {
      const run = plan[index];
      o.log?.(`${labels[index]}: started`);
      started++;
      const worker = trainOnWorker(
        {
          options: { ...plannedRunOptions(o, run, dataDir, dataSource), threads },
          backend: kernels().name as Backend,
        },
        {
          signal,
          log: (line) => o.log?.(`${run.method}, seed ${run.seed}: ${line}`),
          onProgress: (p) => {
            counts.set(index, { step: p.step, steps: p.totalSteps, epoch: `${p.epoch}/${p.epochs}` });
            report();
          },
        },
      );
      live.add(worker);
      return worker.results
        .finally(() => live.delete(worker))
        .then((results) => {
          const c = counts.get(index)!;
          counts.set(index, { step: c.step, steps: c.step, epoch: '' });
          report();
          handOver();
          return results;
        });
    }),
    jobs,
    o.signal,
  );
  const byIndex = new Map(order.map((index, i) => [index, results[i]]));
  return [...order].sort((a, b) => a - b).map((index) => byIndex.get(index)!);
}

/** One training of the plan, with the preset's settings for its method (callbacks apart). */
function plannedRunOptions(
  o: ExperimentsOptions,
  run: PlannedStudyRun,
  dataDir: string,
  dataSource: string,
): RunWorkerData['options'] {
  const settings = run.settings;
  return {
    method: run.method,
    dataDir,
    outputDir: run.dir,
    baseModel: o.baseModel.path,
    baseModelDescription: o.baseModel.description,
    dataSource,
    epochs: settings.epochs,
    batchSize: settings.batchSize,
    gradientAccumulationSteps: o.gradientAccumulationSteps ?? settings.gradientAccumulationSteps,
    lr: settings.lr,
    maxLen: settings.maxLen,
    weightDecay: settings.weightDecay,
    schedule: settings.schedule,
    warmupRatio: settings.warmupRatio,
    seed: run.seed,
    maxSteps: o.maxSteps,
    earlyStoppingPatience: o.earlyStoppingPatience ?? settings.earlyStoppingPatience,
    threshold: o.threshold,
    lora: settings.lora ?? { r: 8, alpha: 32, dropout: 0.1, targets: null },
    scratch: DEFAULT_SCRATCH_SHAPE,
    saveTotalLimit: 1,
    // An interrupted run continues from its checkpoint rather than starting over.
    resume: o.skipCompleted === true && latestCheckpoint(join(run.dir, 'checkpoints')) !== null,
    keepCheckpoints: o.keepCheckpoints,
    preset: o.preset,
    presetOverrides: o.earlyStoppingPatience !== undefined ? [EARLY_STOPPING_FLAG] : [],
    threads: o.threads,
  };
}

interface PlannedStudyRun extends PlannedRun {
  seed: number;
  dir: string;
  settings: MethodSettings;
  /** Why a finished run cannot be kept (made under another step cap), when it cannot. */
  stale?: string;
}

/** Every training of the study in order (seed by seed, method by method), with what --resume keeps. */
function planRuns(
  o: ExperimentsOptions,
  outputDir: string,
  firstSeed: number,
  trainRows: number,
): PlannedStudyRun[] {
  const preset = PRESETS[o.preset];
  const plan: PlannedStudyRun[] = [];
  for (let i = 0; i < o.seeds; i++) {
    for (const method of o.methods ?? METHODS) {
      const settings = preset.methods[method];
      const dir = join(outputDir, 'runs', method, `seed-${firstSeed + i}`);
      const steps =
        (o.maxSteps ?? 0) > 0 ? o.maxSteps! : Math.ceil(trainRows / settings.batchSize) * settings.epochs;
      const done = o.skipCompleted === true && hasResults(dir);
      const stale = done ? capMismatch(dir, o.maxSteps ?? 0) : undefined;
      plan.push({ method, seed: firstSeed + i, dir, settings, steps, kept: done && !stale, stale });
    }
  }
  return plan;
}

/**
 * Why the finished run in `dir` is not the run asked for now because of its step cap, or undefined when
 * the caps agree. A smoke run is replaced; a full run is never thrown away for a smoke run.
 */
function capMismatch(dir: string, wanted: number): string | undefined {
  const path = join(dir, 'results.json');
  const had = stepCap(parseResults(readFileSync(path, 'utf8'), path)) ?? 0;
  if (had === wanted) return undefined;
  if (had === 0) {
    throw new UserError(
      `${path} is a full training, and --max-steps ${wanted} would replace it with a smoke run; use another --output-dir.`,
    );
  }
  return `its results are a smoke run capped at ${countOf(had, 'step')} (--max-steps ${had}), not ${wanted > 0 ? `the ${countOf(wanted, 'step')} asked for now` : 'a full training'}`;
}

/** A finished run kept by --resume must have been made with the settings asked for now. */
function assertSameSettings(runDir: string, settings: MethodSettings): void {
  const path = join(runDir, 'results.json');
  const config =
    (JSON.parse(readFileSync(path, 'utf8')) as { config?: Record<string, unknown> }).config ?? {};
  const expected: Record<string, unknown> = {
    lr: settings.lr,
    epochs: settings.epochs,
    batch_size: settings.batchSize,
    max_len: settings.maxLen,
    schedule: settings.schedule,
  };
  for (const [key, value] of Object.entries(expected)) {
    if (key in config && config[key] !== value) {
      throw new UserError(
        `${path} was made with ${key} ${String(config[key])}, not ${String(value)} as this preset asks; use another --output-dir or remove that run.`,
      );
    }
  }
}
