/**
 * Reads the few hyperparameters the report talks about out of a run's free-form `config`. The training
 * loop owns that object's shape, so each setting is looked up under the names it commonly goes by, at
 * the top level or nested one level down (`lora.r`).
 */

export interface RunSettings {
  lr?: number;
  maxLength?: number;
  epochs?: number;
  batchSize?: number;
  loraR?: number;
  loraAlpha?: number;
  loraTargets?: string[];
}

export type SettingName = Exclude<keyof RunSettings, 'loraTargets'>;

const ALIASES: Record<SettingName, readonly string[]> = {
  lr: ['lr', 'learning_rate', 'learningRate'],
  maxLength: [
    'max_length',
    'maxLength',
    'max_len',
    'maxLen',
    'max_seq_length',
    'maxSeqLength',
    'seq_len',
    'T',
  ],
  epochs: ['epochs', 'num_epochs', 'numEpochs', 'num_train_epochs'],
  batchSize: ['batch_size', 'batchSize', 'batch', 'train_batch_size'],
  loraR: ['r', 'lora_r', 'loraR', 'rank'],
  loraAlpha: ['alpha', 'lora_alpha', 'loraAlpha'],
};

const TARGET_ALIASES = ['target_modules', 'targetModules', 'targets', 'lora_targets'];

/** Keys that differ between seeds of one experiment without making it a different experiment. */
const VOLATILE =
  /seed|dir$|path|^out|output|resume|thread|^log|verbose|progress|checkpoint|^save|created|timestamp/i;

/** `{a: {b: 1}, c: 2}` → `{'a.b': 1, c: 2}`; arrays stay values. */
export function flattenConfig(config: Record<string, unknown>, prefix = ''): Record<string, unknown> {
  const flat: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      Object.assign(flat, flattenConfig(value as Record<string, unknown>, name));
    } else {
      flat[name] = value;
    }
  }
  return flat;
}

function lastSegment(key: string): string {
  return key.slice(key.lastIndexOf('.') + 1);
}

function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)))
    return Number(value);
  return undefined;
}

/** Shallower keys win, so a top-level `lr` beats `scheduler.lr`. */
function byDepth(keys: string[]): string[] {
  return [...keys].sort((a, b) => a.split('.').length - b.split('.').length);
}

export function extractSettings(config: Record<string, unknown>): RunSettings {
  const flat = flattenConfig(config);
  const keys = byDepth(Object.keys(flat));
  const settings: RunSettings = {};
  for (const [name, aliases] of Object.entries(ALIASES) as [SettingName, readonly string[]][]) {
    for (const key of keys) {
      if (!aliases.includes(lastSegment(key))) continue;
      const value = toNumber(flat[key]);
      if (value !== undefined) {
        settings[name] = value;
        break;
      }
    }
  }
  for (const key of keys) {
    const value = flat[key];
    if (
      TARGET_ALIASES.includes(lastSegment(key)) &&
      Array.isArray(value) &&
      value.every((v) => typeof v === 'string')
    ) {
      settings.loraTargets = value as string[];
      break;
    }
  }
  return settings;
}

/** A canonical string of everything in `config` that defines the experiment (seeds and paths left out). */
export function experimentKey(config: Record<string, unknown>): string {
  const flat = flattenConfig(config);
  const kept = Object.keys(flat)
    .filter((key) => !key.split('.').some((part) => VOLATILE.test(part)))
    .sort()
    .map((key) => [key, flat[key]]);
  return JSON.stringify(kept);
}

/** A learning rate the way people write it: 2e-5, 1e-3, 0.05. */
export function formatLr(lr: number): string {
  if (lr !== 0 && Math.abs(lr) < 0.01) return lr.toExponential().replace('e+', 'e');
  return String(lr);
}

const SETTING_LABELS: Record<SettingName, (v: number) => string> = {
  lr: (v) => `lr ${formatLr(v)}`,
  maxLength: (v) => `max length ${v}`,
  epochs: (v) => `${v} epoch${v === 1 ? '' : 's'}`,
  batchSize: (v) => `batch ${v}`,
  loraR: (v) => `r ${v}`,
  loraAlpha: (v) => `alpha ${v}`,
};

const SETTING_SLUGS: Record<SettingName, (v: number) => string> = {
  lr: (v) => `lr${formatLr(v)}`,
  maxLength: (v) => `len${v}`,
  epochs: (v) => `ep${v}`,
  batchSize: (v) => `bs${v}`,
  loraR: (v) => `r${v}`,
  loraAlpha: (v) => `a${v}`,
};

const SETTING_ORDER: readonly SettingName[] = [
  'lr',
  'maxLength',
  'loraR',
  'loraAlpha',
  'epochs',
  'batchSize',
];

export function describeSetting(name: SettingName, value: number): string {
  return SETTING_LABELS[name](value);
}

export function slugSetting(name: SettingName, value: number): string {
  return SETTING_SLUGS[name](value);
}

/** The settings whose values are not the same across all of `list` (undefined counts as a value). */
export function differingSettings(list: RunSettings[]): SettingName[] {
  return SETTING_ORDER.filter((name) => new Set(list.map((s) => s[name])).size > 1);
}
