import { zipSync } from 'fflate';
import { chooseColumns } from '../data/readers/columns.js';
import { labelledRows } from '../data/readers/labelled-rows.js';
import { readTableBytes } from '../data/readers/table-bytes.js';
import type { Table } from '../data/readers/table-format.js';
import { useKernels } from '../kernels/active.js';
import { createWebKernels, type WebKernelsKind } from '../kernels/web-kernels.js';
import { familyOf } from '../models/registry.js';
import { countParameters } from '../nn/module.js';
import { Rng } from '../tensor/random.js';
import { memoryCheckpoints } from '../train/checkpoint-store.js';
import { TrainingInterrupted } from '../train/trainer.js';
import { openModelFiles, type ModelFiles } from './model-files.js';
import type {
  ClassCounts,
  DataSummary,
  Hello,
  ModelChoice,
  ModelSummary,
  Replies,
  Request,
  RunSettings,
  TrainEnd,
  TrainEvent,
} from './protocol.js';
import {
  adapterFiles,
  labelledReadOptions,
  predict,
  prepareRun,
  totalSteps,
  trainRun,
  type PreparedRun,
} from './run.js';
import { clearSavedRun, loadSavedRun, saveRunCheckpoint, saveRunStart } from './saved-run.js';

// The training worker: everything heavy runs here, so the page stays responsive. It holds the chosen
// model and data, trains (its own kernel threads are Web Workers under it), and answers the page's
// requests (protocol.ts).

interface WorkerScope {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<{ id: number } & Request>) => void): void;
}
const scope = self as unknown as WorkerScope;

const state: {
  threads: number;
  isolated: boolean;
  kernels: WebKernelsKind;
  fma: boolean;
  kernelsFailure: string | undefined;
  model: { choice: ModelChoice; files: ModelFiles } | null;
  data: { name: string; bytes: ArrayBuffer; table: Table } | null;
  run: PreparedRun | null;
  stop: AbortController | null;
} = {
  threads: 1,
  isolated: false,
  kernels: 'reference',
  fma: false,
  kernelsFailure: undefined,
  model: null,
  data: null,
  run: null,
  stop: null,
};

const kernelsReady = createWebKernels(memoryLimit()).then(({ kernels, kind, isolated, fma, failure }) => {
  useKernels(kernels);
  state.threads = kernels.threads;
  state.isolated = isolated;
  state.kernels = kind;
  state.fma = fma;
  state.kernelsFailure = failure;
});

/**
 * A smaller memory for the kernels than their 4 GiB, from the worker's `kernel-memory-mib` parameter
 * (the page passes on its own): a page can then try what a model too large for the browser does.
 */
function memoryLimit(): { memoryLimitBytes?: number } {
  const mib = Number(new URLSearchParams(self.location.search).get('kernel-memory-mib') ?? NaN);
  return mib > 0 ? { memoryLimitBytes: mib * 2 ** 20 } : {};
}

function send(event: TrainEvent): void {
  scope.postMessage(event);
}

const handlers: { [K in Request['type']]: (request: Extract<Request, { type: K }>) => Promise<Replies[K]> } =
  {
    async hello(): Promise<Hello> {
      await kernelsReady;
      const saved = await loadSavedRun().catch(() => null);
      return {
        threads: state.threads,
        isolated: state.isolated,
        kernels: state.kernels,
        fma: state.fma,
        kernelsFailure: state.kernelsFailure,
        saved:
          saved && saved.checkpoint
            ? {
                model: saved.modelName,
                data: saved.data.name,
                step: saved.checkpoint.step,
                totalSteps: saved.totalSteps,
                settings: saved.settings,
              }
            : null,
      };
    },

    async 'load-model'({ choice }): Promise<ModelSummary> {
      const files = await openModelFiles(choice);
      state.model = { choice, files };
      // Built without weights, for its size and its default LoRA targets; training loads the weights.
      const model = familyOf(files.config.modelType).create(files.config, new Rng(0), { initialize: false });
      return {
        where: files.where,
        modelType: files.config.modelType,
        parameters: countParameters(model),
        layers: describeConfig(files.config.toJSON()),
        defaultTargets: [...model.defaultLoraTargets],
        maxLength: files.config.maxLength,
      };
    },

    async 'read-data'({ name, bytes }): Promise<DataSummary> {
      const table = await readTableBytes(new Uint8Array(bytes), name);
      state.data = { name, bytes, table };
      const sample = table.rows.slice(0, 200).map((r) => r.values);
      let guess: { text: string | null; label: string | null } = { text: null, label: null };
      try {
        const chosen = chooseColumns(table.columns, sample, {}, name);
        guess = { text: chosen.text, label: chosen.label };
      } catch {
        // No column the CLI would pick by itself: the user picks them.
      }
      return {
        name,
        rows: table.rows.length,
        columns: table.columns,
        ...guess,
        sample: table.rows
          .slice(0, 5)
          .map((r) => Object.fromEntries(table.columns.map((c) => [c, String(r.values[c] ?? '')]))),
      };
    },

    async classes({ columns }): Promise<ClassCounts> {
      const data = requireData();
      const file = labelledRows(data.table, data.name, labelledReadOptions(columns));
      const counts = new Map<string, number>();
      let labels = 0;
      for (const row of file.rows) {
        for (const label of row.labels ?? [row.label!]) {
          counts.set(label, (counts.get(label) ?? 0) + 1);
          labels++;
        }
      }
      return {
        rows: file.rows.length,
        skipped: file.skipped.emptyText + file.skipped.missingLabel,
        counts: [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)),
        ...(columns.multiLabel ? { labelsPerRow: file.rows.length > 0 ? labels / file.rows.length : 0 } : {}),
      };
    },

    async train({ settings }): Promise<TrainEnd> {
      return runTraining(settings, false);
    },

    async resume(): Promise<TrainEnd> {
      const saved = await loadSavedRun();
      if (!saved || !saved.checkpoint) throw new Error('There is no stopped run to resume.');
      const files = await openModelFiles(saved.model);
      state.model = { choice: saved.model, files };
      const table = await readTableBytes(new Uint8Array(saved.data.bytes), saved.data.name);
      state.data = { name: saved.data.name, bytes: saved.data.bytes, table };
      return runTraining(saved.settings, true, saved.checkpoint);
    },

    async discard(): Promise<null> {
      await clearSavedRun();
      return null;
    },

    async stop(): Promise<null> {
      state.stop?.abort('stop');
      return null;
    },

    async predict({ texts }) {
      const run = requireRun();
      const rows = predict(run, texts).map((p, i) => ({
        text: texts[i]!,
        label: p.label,
        probs: p.probs,
        logits: p.logits,
        ...(p.labels ? { labels: p.labels } : {}),
      }));
      return { labels: run.labels, multiLabel: run.multiLabel, rows };
    },

    async adapter() {
      const run = requireRun();
      const zipped = zipSync(adapterFiles(run));
      const zip = zipped.buffer.slice(
        zipped.byteOffset,
        zipped.byteOffset + zipped.byteLength,
      ) as ArrayBuffer;
      return { zip, name: 'adapter.zip' };
    },
  };

async function runTraining(
  settings: RunSettings,
  resume: boolean,
  checkpoint?: { step: number; files: Map<string, Uint8Array> },
): Promise<TrainEnd> {
  const model = requireModel();
  const data = requireData();
  state.run = null;
  const run = await prepareRun(model.files, data.table, data.name, settings);
  const store = memoryCheckpoints('this page');
  if (checkpoint) store.restore(checkpoint.step, checkpoint.files);
  const steps = totalSteps(run);
  if (!resume) {
    await saveRunStart({
      model: model.choice,
      modelName: model.files.where,
      data: { name: data.name, bytes: data.bytes },
      settings,
      totalSteps: steps,
    });
  }
  send({
    event: 'started',
    totalSteps: steps,
    step: checkpoint?.step ?? 0,
    resumed: resume,
    labels: run.labels,
  });
  state.stop = new AbortController();
  // Checkpoints are copied to IndexedDB one after another; a stop waits for the last copy.
  let persisting: Promise<void> = Promise.resolve();
  try {
    const results = await trainRun(run, store, resume, {
      signal: state.stop.signal,
      onProgress: (progress) => send({ event: 'progress', progress }),
      onEpochEnd: (record) => send({ event: 'epoch', record }),
      onEvalProgress: (split, done, total) => send({ event: 'evaluating', split, done, total }),
      onMemoryLine: (line) => send({ event: 'memory', line }),
      onCheckpoint: (id, step) => {
        const files = store.files(id);
        if (!files) return;
        persisting = persisting.then(() => saveRunCheckpoint(step, files));
        void persisting.then(() => send({ event: 'checkpoint', step }));
      },
    });
    await persisting;
    await clearSavedRun();
    state.run = run;
    return {
      finished: {
        labels: run.labels,
        test: results.test,
        bestEpoch: results.best_epoch,
        ...(results.stopped_early ? { stoppedEarly: results.stopped_early } : {}),
        trainSeconds: results.timing.train_seconds,
        examplesPerSecond: results.timing.train_examples_per_second,
      },
    };
  } catch (error) {
    if (error instanceof TrainingInterrupted) {
      await persisting;
      return { stopped: { step: error.step, totalSteps: steps } };
    }
    throw error;
  } finally {
    state.stop = null;
  }
}

function requireModel(): NonNullable<typeof state.model> {
  if (!state.model) throw new Error('Choose a base model first.');
  return state.model;
}

function requireData(): NonNullable<typeof state.data> {
  if (!state.data) throw new Error('Choose a data file first.');
  return state.data;
}

function requireRun(): PreparedRun {
  if (!state.run) throw new Error('Train a model first.');
  return state.run;
}

/** "4 layers, hidden 256" from a config's usual fields, as far as it has them. */
function describeConfig(json: Record<string, unknown>): string {
  const layers = json.num_hidden_layers ?? json.n_layers;
  const hidden = json.hidden_size ?? json.dim;
  return [layers !== undefined ? `${layers} layers` : '', hidden !== undefined ? `hidden ${hidden}` : '']
    .filter(Boolean)
    .join(', ');
}

scope.addEventListener('message', (event) => {
  const { id, ...request } = event.data;
  const handler = handlers[request.type] as (r: Request) => Promise<unknown>;
  handler(request as Request).then(
    (reply) => {
      const transfer =
        reply && typeof reply === 'object' && 'zip' in reply ? [(reply as { zip: ArrayBuffer }).zip] : [];
      scope.postMessage({ id, ok: true, reply }, transfer);
    },
    (error: unknown) =>
      scope.postMessage({ id, ok: false, error: error instanceof Error ? error.message : String(error) }),
  );
});
