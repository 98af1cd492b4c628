import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { preprocessComplaints, PREPROCESS_DEFAULTS } from '../data/preprocess.js';
import { formatPreprocessedFiles } from '../data/split-files.js';
import { downloadComplaints } from '../data/download.js';
import { writeFileAtomic, writeJsonAtomic } from '../io/atomic-write.js';
import { writeNamedFiles } from '../io/named-files.js';
import { sharedPath } from '../io/shared-dir.js';
import { writeReport } from '../report/index.js';
import { countOf } from '../report/format.js';
import { Rng } from '../tensor/random.js';
import type { RunResults, Method } from '../train/results.js';
import { latestCheckpoint } from '../train/checkpoint.js';
import type { TrainProgress } from '../train/trainer.js';
import { METHODS, PRESETS, type MethodSettings, type PresetName } from './presets.js';
import { UserError } from '../errors.js';
import { resolveDataSource, type ResolvedSource } from './sources.js';
import { DEFAULT_SCRATCH_SHAPE, hasResults, runTraining } from './train-run.js';

export interface ExperimentsOptions {
  input?: string;
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
  /** Stop each training after this many steps (smoke runs). */
  maxSteps?: number;
  threads?: number;
  signal?: AbortSignal;
  log?: (line: string) => void;
  onTrainStart?: (label: string) => void;
  onProgress?: (p: TrainProgress) => void;
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
  mkdirSync(outputDir, { recursive: true });

  const data = resolveDataSource(o.input);
  if (data.kind === 'download') {
    log(`No complaints file found; downloading a sample to ${data.path}`);
    const downloaded = await downloadComplaints({ size: 10_000 });
    writeFileAtomic(data.path, downloaded.csv);
  }
  log(`data: ${data.description}`);
  log(`base model: ${o.baseModel.description}`);
  log(`preset: ${preset.name} (${preset.description})`);

  const dataDir = join(outputDir, 'data');
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

  const firstSeed = o.firstSeed ?? 42;
  const methods = o.methods ?? METHODS;
  const runs: RunResults[] = [];
  for (let i = 0; i < o.seeds; i++) {
    const seed = firstSeed + i;
    for (const method of methods) {
      const settings = preset.methods[method];
      const runDir = join(outputDir, 'runs', method, `seed-${seed}`);
      const label = `${method} (seed ${seed}, ${i + 1}/${o.seeds})`;
      if (o.skipCompleted && hasResults(runDir)) {
        assertSameSettings(runDir, settings);
        log(`${label}: already done, kept`);
        continue;
      }
      o.onTrainStart?.(label);
      const results = await runTraining({
        method,
        dataDir,
        outputDir: runDir,
        baseModel: o.baseModel.path,
        baseModelDescription: o.baseModel.description,
        dataSource: data.description,
        epochs: settings.epochs,
        batchSize: settings.batchSize,
        lr: settings.lr,
        maxLen: settings.maxLen,
        weightDecay: settings.weightDecay,
        schedule: settings.schedule,
        warmupRatio: settings.warmupRatio,
        seed,
        maxSteps: o.maxSteps,
        lora: settings.lora ?? { r: 8, alpha: 32, dropout: 0.1, targets: ['query', 'value'] },
        scratch: DEFAULT_SCRATCH_SHAPE,
        saveTotalLimit: 1,
        // An interrupted run continues from its checkpoint rather than starting over.
        resume: o.skipCompleted === true && latestCheckpoint(join(runDir, 'checkpoints')) !== null,
        threads: o.threads,
        signal: o.signal,
        log,
        onProgress: o.onProgress,
      });
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
    methods,
    max_steps: o.maxSteps ?? 0,
    threads: o.threads ?? null,
    data_source: data.description,
    base_model: o.baseModel.description,
    started_at: startedAt.toISOString(),
    finished_at: new Date().toISOString(),
    wall_seconds: Math.round((Date.now() - startedAt.getTime()) / 1000),
    ...(o.provenance ? { provenance: o.provenance } : {}),
  });
  return { runs, reportFiles: report.files, dataDir };
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
