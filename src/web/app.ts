import { drawChart, type ChartData } from './chart.js';
import type {
  FinishedRun,
  Hello,
  LabelColumns,
  ModelChoice,
  Replies,
  Request,
  RunSettings,
  SavedRunSummary,
  TrainEnd,
  TrainEvent,
  WorkerMessage,
} from './protocol.js';
import { renderMetrics, renderPredictions } from './results-view.js';
import { defaultSettings, NUMBER_FIELDS } from './settings.js';
import { row } from './table.js';

// The page: forms and views only. Everything heavy happens in the training worker (train-worker.ts),
// reached through `call`.

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => document.getElementById(id) as T;

/** The worker's script, with the page's `kernel-memory-mib` (a smaller memory for its kernels) passed on. */
function workerUrl(): URL {
  const url = new URL('./train-worker.js', import.meta.url);
  const limit = new URLSearchParams(location.search).get('kernel-memory-mib');
  if (limit !== null) url.searchParams.set('kernel-memory-mib', limit);
  return url;
}

const worker = new Worker(workerUrl(), {
  type: 'module',
  name: 'lora-lab training',
});
const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
let nextId = 1;

function call<R extends Request>(request: R): Promise<Replies[R['type']]> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
    worker.postMessage({ id, ...request });
  });
}

worker.addEventListener('message', (event: MessageEvent<WorkerMessage>) => {
  const message = event.data;
  if ('event' in message) return onTrainEvent(message);
  const waiting = pending.get(message.id);
  pending.delete(message.id);
  if (message.ok) waiting?.resolve(message.reply);
  else waiting?.reject(new Error(message.error));
});
worker.addEventListener('error', (event) => {
  showStatus('engine', `The training worker failed: ${event.message}`, true);
});

const page = {
  model: false,
  data: false,
  training: false,
  targetsEdited: false,
  chart: { totalSteps: 1, loss: [], f1: [] } as ChartData,
  batchSize: 16,
};

function showStatus(id: string, text: string, error = false): void {
  const element = $(id);
  element.textContent = text;
  element.classList.toggle('error', error);
}

function refreshButtons(): void {
  ($('train') as HTMLButtonElement).disabled = page.training || !page.model || !page.data;
  ($('stop') as HTMLButtonElement).disabled = !page.training;
  ($('resume') as HTMLButtonElement).disabled = page.training;
  ($('discard') as HTMLButtonElement).disabled = page.training;
  for (const element of document.querySelectorAll<HTMLInputElement | HTMLSelectElement | HTMLButtonElement>(
    '#model-step input, #model-step button, #data-step input, #data-step select, #settings input',
  ))
    element.disabled = page.training;
  refreshSeparator();
}

/** The label separator means something only for multi-label data. */
function refreshSeparator(): void {
  ($('label-separator') as HTMLInputElement).disabled =
    page.training || !($('multi-label') as HTMLInputElement).checked;
}

// ---- 1. Base model

async function loadModel(choice: ModelChoice): Promise<void> {
  page.model = false;
  refreshButtons();
  showStatus('model-status', 'Reading the model…');
  try {
    const model = await call({ type: 'load-model', choice });
    page.model = true;
    showStatus(
      'model-status',
      `${model.where}: ${model.modelType}, ${model.layers}, ${(model.parameters / 1e6).toFixed(1)} M parameters, up to ${model.maxLength} tokens.`,
    );
    if (!page.targetsEdited) ($('targets') as HTMLInputElement).value = model.defaultTargets.join(', ');
    const maxLen = $('max-len') as HTMLInputElement;
    maxLen.max = String(model.maxLength);
    if (Number(maxLen.value) > model.maxLength) maxLen.value = String(model.maxLength);
  } catch (error) {
    showStatus('model-status', (error as Error).message, true);
  }
  refreshButtons();
}

$('model-url-form').addEventListener('submit', (event) => {
  event.preventDefault();
  void loadModel({ kind: 'url', url: ($('model-url') as HTMLInputElement).value.trim() });
});
$('model-folder').addEventListener('change', () => {
  const picked = [...(($('model-folder') as HTMLInputElement).files ?? [])];
  // The folder's own files, not those of its subfolders.
  const files = picked.filter((file) => file.webkitRelativePath.split('/').length === 2);
  if (files.length > 0) void loadModel({ kind: 'files', files });
});

// ---- 2. Data

async function readData(file: File): Promise<void> {
  page.data = false;
  refreshButtons();
  showStatus('data-status', `Reading ${file.name}…`);
  $('columns').hidden = true;
  $('label-kind').hidden = true;
  $('class-counts').hidden = true;
  try {
    const data = await call({ type: 'read-data', name: file.name, bytes: await file.arrayBuffer() });
    showStatus('data-status', `${data.name}: ${data.rows} rows, columns ${data.columns.join(', ')}.`);
    fillSelect('text-column', data.columns, data.text ?? data.columns[0]!);
    fillSelect(
      'label-column',
      data.columns,
      data.label ?? data.columns[Math.min(1, data.columns.length - 1)]!,
    );
    $('columns').hidden = false;
    $('label-kind').hidden = false;
    await showClasses();
  } catch (error) {
    showStatus('data-status', (error as Error).message, true);
  }
  refreshButtons();
}

function fillSelect(id: string, options: readonly string[], chosen: string): void {
  const select = $(id) as HTMLSelectElement;
  select.replaceChildren(...options.map((name) => new Option(name, name, false, name === chosen)));
}

/** The chosen columns and how the label column is read. */
function labelColumns(): LabelColumns {
  const multiLabel = ($('multi-label') as HTMLInputElement).checked;
  return {
    textColumn: ($('text-column') as HTMLSelectElement).value,
    labelColumn: ($('label-column') as HTMLSelectElement).value,
    ...(multiLabel ? { multiLabel, labelSeparator: ($('label-separator') as HTMLInputElement).value } : {}),
  };
}

async function showClasses(): Promise<void> {
  const columns = labelColumns();
  page.data = false;
  try {
    const classes = await call({ type: 'classes', columns });
    const body = $('class-counts').querySelector('tbody')!;
    const most = Math.max(1, ...classes.counts.map(([, n]) => n));
    body.replaceChildren(
      ...classes.counts.map(([label, count]) => {
        const bar = document.createElement('span');
        bar.style.width = `${(100 * count) / most}%`;
        return row([label, String(count), bar], ['', '', 'bar']);
      }),
    );
    $('class-counts').hidden = false;
    $('class-counts-caption').textContent = columns.multiLabel
      ? 'Labels in the chosen label column (rows that carry each)'
      : 'Classes in the chosen label column';
    const skipped = classes.skipped > 0 ? `; ${classes.skipped} rows without text or label are left out` : '';
    const kinds = columns.multiLabel ? 'labels' : 'classes';
    const few =
      classes.counts.length < 2
        ? ` A classifier needs at least two ${kinds}: pick another label column.`
        : '';
    const perRow =
      classes.labelsPerRow !== undefined
        ? `, ${classes.labelsPerRow.toFixed(2)} labels a row on average`
        : '';
    showStatus(
      'data-status',
      `${classes.rows} labelled rows in ${classes.counts.length} ${kinds}${perRow}${skipped}.${few}`,
      few !== '',
    );
    page.data = classes.counts.length >= 2;
  } catch (error) {
    $('class-counts').hidden = true;
    showStatus('data-status', (error as Error).message, true);
  }
  refreshButtons();
}

$('data-file').addEventListener('change', () => {
  const file = ($('data-file') as HTMLInputElement).files?.[0];
  if (file) void readData(file);
});
const drop = $('drop-zone');
drop.addEventListener('dragover', (event) => {
  event.preventDefault();
  drop.classList.add('over');
});
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (event) => {
  event.preventDefault();
  drop.classList.remove('over');
  const file = event.dataTransfer?.files[0];
  if (file && !page.training) void readData(file);
});
$('text-column').addEventListener('change', () => void showClasses());
$('label-column').addEventListener('change', () => void showClasses());
$('multi-label').addEventListener('change', () => {
  refreshSeparator();
  void showClasses();
});
$('label-separator').addEventListener('change', () => void showClasses());

// ---- 3. Settings

function fillSettings(settings: Partial<RunSettings>): void {
  for (const [id, key] of Object.entries(NUMBER_FIELDS)) {
    const value = settings[key];
    if (value !== undefined) ($(id) as HTMLInputElement).value = String(value);
  }
  if (settings.targets) ($('targets') as HTMLInputElement).value = settings.targets.join(', ');
  if ('textColumn' in settings) {
    ($('multi-label') as HTMLInputElement).checked = settings.multiLabel === true;
    ($('label-separator') as HTMLInputElement).value = settings.labelSeparator ?? ',';
    refreshSeparator();
  }
}

function readSettings(): RunSettings | null {
  const form = $('settings') as HTMLFormElement;
  if (!form.reportValidity()) return null;
  const settings = { ...defaultSettings() } as RunSettings;
  for (const [id, key] of Object.entries(NUMBER_FIELDS)) {
    (settings as unknown as Record<string, number>)[key] = Number(($(id) as HTMLInputElement).value);
  }
  settings.targets = ($('targets') as HTMLInputElement).value
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  return { ...settings, ...labelColumns() };
}

fillSettings(defaultSettings());
drawChart($('chart') as unknown as SVGSVGElement, page.chart);
$('targets').addEventListener('input', () => (page.targetsEdited = true));

// ---- 4. Train

function onTrainEvent(message: TrainEvent): void {
  switch (message.event) {
    case 'started':
      page.chart = { totalSteps: message.totalSteps, loss: [], f1: [] };
      ($('progress') as HTMLProgressElement).value = message.step / message.totalSteps;
      $('progress').dataset.startStep = String(message.step);
      showStatus(
        'train-status',
        message.resumed
          ? `Resumed at step ${message.step} of ${message.totalSteps}.`
          : `Training: ${message.totalSteps} steps.`,
      );
      drawChart($('chart') as unknown as SVGSVGElement, page.chart);
      $('train-memory').textContent = '';
      $('train-memory').hidden = true;
      break;
    case 'progress': {
      const p = message.progress;
      ($('progress') as HTMLProgressElement).value = p.step / p.totalSteps;
      page.chart.loss.push([p.step, p.loss]);
      const left =
        p.examplesPerSecond > 0 ? ((p.totalSteps - p.step) * page.batchSize) / p.examplesPerSecond : 0;
      showStatus(
        'train-status',
        `Step ${p.step} of ${p.totalSteps} · epoch ${p.epoch} of ${p.epochs} · loss ${p.loss.toFixed(4)} · ${p.examplesPerSecond.toFixed(1)} examples/s · ${formatDuration(left)} left`,
      );
      drawChart($('chart') as unknown as SVGSVGElement, page.chart);
      break;
    }
    case 'epoch': {
      const last = page.chart.loss[page.chart.loss.length - 1];
      if (message.record.val && last) page.chart.f1.push([last[0], message.record.val.f1_weighted]);
      drawChart($('chart') as unknown as SVGSVGElement, page.chart);
      break;
    }
    case 'evaluating':
      showStatus(
        'train-status',
        `Evaluating on the ${message.split === 'val' ? 'validation' : 'test'} split: ${message.done} of ${message.total} examples.`,
      );
      break;
    case 'checkpoint':
      $('progress').dataset.checkpoint = String(message.step);
      break;
    case 'memory': {
      // Kept under the status, which every step overwrites: said once, it stays for the run.
      const line = document.createElement('span');
      line.textContent = `Memory: ${message.line}.`;
      $('train-memory').append(line);
      $('train-memory').hidden = false;
      break;
    }
  }
}

function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}

async function train(run: () => Promise<TrainEnd>, batchSize: number): Promise<void> {
  page.training = true;
  page.batchSize = batchSize;
  $('resume-box').hidden = true;
  $('results-step').hidden = true;
  refreshButtons();
  try {
    const end = await run();
    if ('finished' in end) {
      const early = end.finished.stoppedEarly;
      const stopped = early
        ? ` Stopped early at epoch ${early.epoch} of ${early.epochs}: no better validation F1 for the patience's epochs.`
        : '';
      showStatus(
        'train-status',
        `Finished: ${end.finished.trainSeconds.toFixed(1)} s of training at ${end.finished.examplesPerSecond.toFixed(1)} examples/s; best epoch ${end.finished.bestEpoch}.${stopped}`,
      );
      ($('progress') as HTMLProgressElement).value = 1;
      if (early) {
        // The planned steps were never run: the step axis ends where training did.
        const last = page.chart.loss[page.chart.loss.length - 1];
        if (last) page.chart.totalSteps = last[0];
        drawChart($('chart') as unknown as SVGSVGElement, page.chart);
      }
      showResults(end.finished);
    } else {
      showStatus(
        'train-status',
        `Stopped at step ${end.stopped.step} of ${end.stopped.totalSteps}. The checkpoint is kept in this browser: Resume continues from it, also after a reload.`,
      );
      await offerResume();
    }
  } catch (error) {
    showStatus('train-status', (error as Error).message, true);
  }
  page.training = false;
  refreshButtons();
}

$('train').addEventListener('click', () => {
  const settings = readSettings();
  if (settings) void train(() => call({ type: 'train', settings }), settings.batchSize);
});
$('stop').addEventListener('click', () => {
  showStatus('train-status', 'Stopping at the end of this step, keeping a checkpoint…');
  ($('stop') as HTMLButtonElement).disabled = true;
  void call({ type: 'stop' });
});

async function offerResume(saved?: SavedRunSummary | null): Promise<void> {
  const found = saved === undefined ? (await call({ type: 'hello' })).saved : saved;
  if (!found) return;
  $('resume-text').textContent =
    `A stopped run can be resumed: step ${found.step} of ${found.totalSteps}, ${found.model} on ${found.data}.`;
  $('resume-box').hidden = false;
  $('resume').onclick = () => {
    fillSettings(found.settings);
    void train(() => call({ type: 'resume' }), found.settings.batchSize);
  };
  $('discard').onclick = async () => {
    await call({ type: 'discard' });
    $('resume-box').hidden = true;
  };
}

// ---- 5. Results

function showResults(run: FinishedRun): void {
  renderMetrics({ metrics: $('metrics'), perClass: $('per-class'), confusion: $('confusion') }, run.test);
  $('results-step').hidden = false;
}

$('try-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const texts = ($('try-text') as HTMLTextAreaElement).value
    .split('\n')
    .map((t) => t.trim())
    .filter(Boolean);
  if (texts.length === 0) return;
  const table = $('predictions');
  try {
    renderPredictions(table, await call({ type: 'predict', texts }));
    table.hidden = false;
  } catch (error) {
    showStatus('download-status', (error as Error).message, true);
  }
});

$('download').addEventListener('click', async () => {
  try {
    const { zip, name } = await call({ type: 'adapter' });
    const url = URL.createObjectURL(new Blob([zip], { type: 'application/zip' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = name;
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    showStatus('download-status', `${name}: adapter_config.json, adapter_model.safetensors, label_map.json.`);
  } catch (error) {
    showStatus('download-status', (error as Error).message, true);
  }
});

// ---- Start

async function start(): Promise<void> {
  const preset = new URLSearchParams(location.search).get('model');
  if (preset) ($('model-url') as HTMLInputElement).value = new URL(preset, location.href).href;
  let hello: Hello;
  try {
    hello = await call({ type: 'hello' });
  } catch (error) {
    showStatus('engine', `The engine did not start: ${(error as Error).message}`, true);
    return;
  }
  const engine = $('engine');
  engine.textContent = engineText(hello);
  if (hello.kernels !== 'wasm-threads') engine.classList.add('warning');
  engine.dataset.kernels = hello.kernels;
  engine.dataset.threads = String(hello.threads);
  engine.dataset.fma = String(hello.fma);
  await offerResume(hello.saved);
  refreshButtons();
}

/** What the engine runs on, in one sentence, and how to get more where the page is held back. */
function engineText(hello: Hello): string {
  const threads = `${hello.threads} thread${hello.threads === 1 ? '' : 's'}`;
  if (hello.kernels === 'reference') {
    return `The WebAssembly kernels did not start (${hello.kernelsFailure ?? 'no reason given'}), so training runs on the slower JavaScript kernels on one thread.`;
  }
  if (hello.isolated) return `Engine: WebAssembly kernels on ${threads}.`;
  return 'This page is not cross-origin isolated, so its kernels cannot share memory between threads: training runs on the WebAssembly kernels on one thread (serve it with lora-lab web for several).';
}

void start();
