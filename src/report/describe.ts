import type { KernelsRecord } from '../train/results.js';
import { describeData } from '../data/data-record-text.js';
import { distinctRecords, smokeRunLabel, type RunGroup } from './group.js';
import { countOf } from './format.js';
import { describeSetting, formatLr, type SettingName } from './settings.js';

/** The report's prose, shared by the Markdown and the HTML (which escapes it). */

function listJoin(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

function distinct(values: string[]): string[] {
  return [...new Set(values)];
}

/** Which data, how many test examples and classes, and where the models started from. */
export function dataSentence(groups: RunGroup[]): string {
  const sources = distinct(groups.flatMap((g) => g.dataSources));
  const examples = distinct(
    groups
      .map((g) => g.testExamples)
      .filter((e) => e !== null)
      .map((e) => countOf(Math.round(e!), 'example')),
  );
  const classes = distinct(groups.map((g) => countOf(g.confusion.labels.length, 'class', 'classes')));
  const data = sources.length ? listJoin(sources) : 'the data named in the runs’ configs';
  const size = [examples.length === 1 ? examples[0]! : '', classes.length === 1 ? classes[0]! : ''].filter(
    Boolean,
  );
  const who = groups.length === 1 ? 'One model was' : `${groups.length} models were`;
  const parts = [
    `${who} evaluated on the test split of ${data}${size.length ? `: ${size.join(' in ')}` : ''}.`,
  ];
  const tuned = groups.filter((g) => g.method !== 'scratch');
  const bases = distinct(tuned.flatMap((g) => g.baseModels));
  if (tuned.length > 0 && bases.length > 0) {
    parts.push(`The fine-tuned models start from ${listJoin(bases)}`);
  }
  if (groups.some((g) => g.method === 'scratch')) {
    const scratch = 'Small-BERT is trained from random initialisation';
    if (parts.length === 2) parts[1] = `${parts[1]}; ${scratch}.`;
    else parts.push(`${scratch}.`);
  } else if (parts.length === 2) {
    parts[1] = `${parts[1]}.`;
  }
  return parts.join(' ');
}

/**
 * The data behind the runs, one paragraph (a list of sentences) per distinct record: its files with
 * their rows and what was left out and why, the columns, the splits. Where the groups were trained on
 * different data, each paragraph starts by naming its groups. Empty when no run recorded its data.
 */
export function dataParagraphs(groups: RunGroup[]): { who?: string; sentences: string[] }[] {
  const records = distinctRecords(groups.flatMap((g) => g.dataRecords));
  return records.map((record) => {
    const key = JSON.stringify(record);
    const users = groups.filter((g) => g.dataRecords.some((r) => JSON.stringify(r) === key));
    return {
      ...(records.length > 1 ? { who: listJoin(users.map((g) => g.label)) } : {}),
      sentences: describeData(record),
    };
  });
}

const SETTING_NAMES: Record<SettingName, string> = {
  epochs: 'epochs',
  maxLength: 'max length',
  batchSize: 'batch',
  lr: 'learning rate',
  loraR: 'LoRA rank',
  loraAlpha: 'LoRA alpha',
};

/**
 * "Settings: 3 epochs, max length 128, batch 16; learning rate 1e-4 (Small-BERT), 1e-3 (LoRA)." Settings
 * shared by every group are said once; the others per group.
 */
export function settingsSentence(groups: RunGroup[]): string {
  const shared: string[] = [];
  const varying: string[] = [];
  const caps = distinct(groups.filter((g) => g.stepCap !== null).map((g) => smokeRunLabel(g.stepCap!)));
  // A capped run's epochs were not trained: its name carries the cap instead.
  const uncapped = groups.filter((g) => g.stepCap === null);
  if (uncapped.length === 0 && caps.length === 1) shared.push(caps[0]!);
  const general: SettingName[] = ['epochs', 'maxLength', 'batchSize', 'lr'];
  for (const name of general) {
    const among = name === 'epochs' ? uncapped : groups;
    if (among.length === 0) continue;
    const values = among.map((g) => g.settings[name]);
    if (values.every((v) => v === undefined)) continue;
    if (values.every((v) => v === values[0])) {
      shared.push(describeSetting(name, values[0]!));
    } else {
      // One entry per value, naming the groups that share it: "1e-3 for A and B".
      const show = (v: number | undefined): string =>
        v === undefined ? 'not recorded' : name === 'lr' ? formatLr(v) : String(v);
      const byValue = new Map<string, string[]>();
      for (const g of among) {
        const key = show(g.settings[name]);
        byValue.set(key, [...(byValue.get(key) ?? []), g.label]);
      }
      const entries = [...byValue].map(([value, labels]) => `${value} for ${listJoin(labels)}`);
      varying.push(`${SETTING_NAMES[name]} ${entries.join(', ')}`);
    }
  }
  const lora = groups.filter((g) => g.method === 'lora');
  for (const g of lora) {
    const { loraR, loraAlpha, loraTargets } = g.settings;
    const bits = [
      loraR !== undefined ? `rank ${loraR}` : '',
      loraAlpha !== undefined ? `alpha ${loraAlpha}` : '',
      loraTargets?.length ? `on ${listJoin(loraTargets)}` : '',
    ].filter(Boolean);
    if (bits.length) varying.push(`LoRA ${bits.join(', ')}${lora.length > 1 ? ` for ${g.label}` : ''}`);
  }
  const threads = distinct(
    groups
      .flatMap((g) => g.runs.map((r) => r.results.threads))
      .filter((t) => typeof t === 'number')
      .map(String),
  );
  const kernels = distinct(
    groups.flatMap((g) => g.runs.map((r) => r.results.kernels)).map((k) => (k ? kernelsName(k) : '')),
  );
  // Named only when every run says the same: backends differ in the last bits of their results.
  const on = kernels.length === 1 && kernels[0] !== '' ? ` on the ${kernels[0]}` : '';
  if (threads.length === 1) shared.push(`${threads[0]} CPU thread${threads[0] === '1' ? '' : 's'}${on}`);
  const all = [shared.join(', '), ...varying].filter(Boolean);
  const settings = all.length ? `Settings: ${all.join('; ')}.` : 'The runs record no training settings.';
  return caps.length > 0 ? `${settings} ${SMOKE_SENTENCE}` : settings;
}

/** "native kernels (AVX-512)", "WebAssembly kernels with fused multiply-add", … */
export function kernelsName(k: KernelsRecord): string {
  if (k.backend === 'native') return `native kernels (${ISA_NAMES[k.isa ?? ''] ?? k.isa ?? 'unknown'})`;
  if (k.backend === 'wasm') return `WebAssembly kernels${k.fma ? ' with fused multiply-add' : ''}`;
  if (k.backend === 'reference') return 'reference kernels (plain TypeScript)';
  return `${k.backend} kernels`;
}

const ISA_NAMES: Record<string, string> = { avx512: 'AVX-512', avx2: 'AVX2', generic: 'generic' };

export const SMOKE_SENTENCE =
  'Smoke runs (training cut off by --max-steps) only show that the pipeline runs: their numbers say nothing about the methods, and they are left out of the comparison with the PyTorch reference.';

/** What the ± means and how many seeds there were. */
export function spreadSentence(groups: RunGroup[]): string {
  const ns = distinct(groups.map((g) => String(g.n)));
  const seeds =
    ns.length === 1
      ? `${ns[0]} seed${ns[0] === '1' ? '' : 's'} per model`
      : 'n seeds per model (last column)';
  if (groups.every((g) => g.n === 1))
    return 'Each model was run once (one seed); Test F1 is the weighted F1 over classes.';
  return `Test F1 is the weighted F1 over classes. Numbers are mean ± sample standard deviation over ${seeds}.`;
}
