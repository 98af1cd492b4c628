import { UserError } from '../errors.js';

/**
 * A LoRA adapter's settings, with PEFT's field names (they are the contract of `adapter_config.json`).
 * Plain data: building, validating, reading and writing it live in the functions below.
 */
export interface LoraConfig {
  peft_type: 'LORA';
  /** 'SEQ_CLS' adds the classification head to `modules_to_save`, as PEFT does. */
  task_type: string | null;
  r: number;
  lora_alpha: number;
  lora_dropout: number;
  /**
   * A list matches a module whose dotted path equals an entry or ends with `.` + entry; one string is a
   * regular expression that must match the whole path; 'all-linear' takes every Linear but the
   * classification head; null takes the model family's default (`defaultLoraTargets`, BERT's: query and value).
   */
  target_modules: string[] | string | null;
  /** Same matching as `target_modules`; these are never adapted. */
  exclude_modules: string[] | string | null;
  /** Only used with a list of `target_modules`: the layer numbers to adapt. */
  layers_to_transform: number[] | number | null;
  /** The path segment that precedes a layer number (BERT's is 'layer'); null takes any. */
  layers_pattern: string[] | string | null;
  /** Per-module rank / alpha overrides; keys match a path's end (`(.*\.)?key$`). */
  rank_pattern: Record<string, number>;
  alpha_pattern: Record<string, number>;
  bias: 'none' | 'all' | 'lora_only';
  /** Modules trained in full and saved with the adapter (PEFT wraps them; we train the original in place). */
  modules_to_save: string[] | null;
  /** Scale by alpha / √r instead of alpha / r. */
  use_rslora: boolean;
  /** true: A kaiming-uniform, B zero (the adapter starts as a no-op); 'gaussian': A ~ N(0, 1/r); false: both random. */
  init_lora_weights: boolean | 'gaussian';
  fan_in_fan_out: boolean;
  inference_mode: boolean;
  base_model_name_or_path: string | null;
  revision: string | null;
}

export type LoraConfigInit = Partial<Omit<LoraConfig, 'peft_type'>> & { peft_type?: 'LORA' };

export const ADAPTER_CONFIG_NAME = 'adapter_config.json';

/** PEFT's defaults for every field, overridden by `init`; the result is validated. */
export function createLoraConfig(init: LoraConfigInit = {}): LoraConfig {
  const config: LoraConfig = {
    peft_type: 'LORA',
    task_type: null,
    r: 8,
    lora_alpha: 8,
    lora_dropout: 0,
    target_modules: null,
    exclude_modules: null,
    layers_to_transform: null,
    layers_pattern: null,
    rank_pattern: {},
    alpha_pattern: {},
    bias: 'none',
    modules_to_save: null,
    use_rslora: false,
    init_lora_weights: true,
    fan_in_fan_out: false,
    inference_mode: false,
    base_model_name_or_path: null,
    revision: null,
  };
  // Skip explicit undefineds so that `{ r: undefined }` keeps the default, as an absent field would.
  for (const [key, value] of Object.entries(init)) {
    if (value !== undefined) (config as unknown as Record<string, unknown>)[key] = value;
  }
  validateLoraConfig(config);
  return config;
}

/** A deep copy, so that callers can change one without touching the other. */
export function cloneLoraConfig(config: LoraConfig): LoraConfig {
  return {
    ...config,
    target_modules: Array.isArray(config.target_modules) ? [...config.target_modules] : config.target_modules,
    exclude_modules: Array.isArray(config.exclude_modules)
      ? [...config.exclude_modules]
      : config.exclude_modules,
    layers_to_transform: Array.isArray(config.layers_to_transform)
      ? [...config.layers_to_transform]
      : config.layers_to_transform,
    layers_pattern: Array.isArray(config.layers_pattern) ? [...config.layers_pattern] : config.layers_pattern,
    rank_pattern: { ...config.rank_pattern },
    alpha_pattern: { ...config.alpha_pattern },
    modules_to_save: config.modules_to_save ? [...config.modules_to_save] : null,
  };
}

/** The LoRA scale s in h = W₀x + s·BAx. */
export function loraScaling(alpha: number, r: number, useRslora: boolean): number {
  return useRslora ? alpha / Math.sqrt(r) : alpha / r;
}

/** Throws a UserError naming the first field that is out of range. */
export function validateLoraConfig(config: LoraConfig, source = 'The LoRA config'): void {
  const fail = (why: string): never => {
    throw new UserError(`${source} ${why}.`);
  };
  if (config.peft_type !== 'LORA')
    fail(`has peft_type ${JSON.stringify(config.peft_type)}, but only LORA is supported`);
  if (!Number.isInteger(config.r) || config.r <= 0)
    fail(`has r = ${JSON.stringify(config.r)}, but r must be a positive integer`);
  if (typeof config.lora_alpha !== 'number' || !Number.isFinite(config.lora_alpha)) {
    fail(`has lora_alpha = ${JSON.stringify(config.lora_alpha)}, but it must be a number`);
  }
  if (typeof config.lora_dropout !== 'number' || !(config.lora_dropout >= 0 && config.lora_dropout < 1)) {
    fail(`has lora_dropout = ${JSON.stringify(config.lora_dropout)}, but it must be at least 0 and below 1`);
  }
  checkNamesOrPattern(config.target_modules, 'target_modules', fail);
  if (Array.isArray(config.target_modules) && config.target_modules.length === 0) {
    fail('has an empty target_modules list, so it would adapt nothing');
  }
  checkNamesOrPattern(config.exclude_modules, 'exclude_modules', fail);
  checkNamesOrPattern(config.layers_pattern, 'layers_pattern', fail);
  const layers = config.layers_to_transform;
  if (
    layers !== null &&
    !(Number.isInteger(layers) || (Array.isArray(layers) && layers.every((n) => Number.isInteger(n))))
  ) {
    fail('has a layers_to_transform that is neither a layer number nor a list of them');
  }
  for (const [field, pattern] of [
    ['rank_pattern', config.rank_pattern],
    ['alpha_pattern', config.alpha_pattern],
  ] as const) {
    if (pattern === null || typeof pattern !== 'object' || Array.isArray(pattern))
      fail(`has a ${field} that is not an object`);
    for (const [key, value] of Object.entries(pattern)) {
      if (typeof value !== 'number' || !Number.isFinite(value))
        fail(`has ${field}[${JSON.stringify(key)}] = ${JSON.stringify(value)}, not a number`);
      if (field === 'rank_pattern' && !(Number.isInteger(value) && value > 0)) {
        fail(`has rank_pattern[${JSON.stringify(key)}] = ${value}, but a rank must be a positive integer`);
      }
      checkRegExp(key, field, fail);
    }
  }
  if (!['none', 'all', 'lora_only'].includes(config.bias)) {
    fail(`has bias = ${JSON.stringify(config.bias)}, but it must be "none", "all" or "lora_only"`);
  }
  if (
    config.modules_to_save !== null &&
    !(Array.isArray(config.modules_to_save) && config.modules_to_save.every(isNonEmptyString))
  ) {
    fail('has a modules_to_save that is not a list of module names');
  }
  if (typeof config.use_rslora !== 'boolean') fail('has a use_rslora that is not true or false');
  if (!(typeof config.init_lora_weights === 'boolean' || config.init_lora_weights === 'gaussian')) {
    fail(
      `has init_lora_weights = ${JSON.stringify(config.init_lora_weights)}, but LoRA Lab supports only true, false and "gaussian"`,
    );
  }
  if (config.fan_in_fan_out)
    fail('sets fan_in_fan_out, which only GPT-2-style Conv1D layers use and LoRA Lab does not support');
  if (config.task_type !== null && typeof config.task_type !== 'string')
    fail('has a task_type that is not a string');
  if (config.base_model_name_or_path !== null && typeof config.base_model_name_or_path !== 'string') {
    fail('has a base_model_name_or_path that is not a string');
  }
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

function checkNamesOrPattern(value: unknown, field: string, fail: (why: string) => never): void {
  if (value === null) return;
  if (typeof value === 'string') {
    checkRegExp(value, field, fail);
    return;
  }
  if (!Array.isArray(value) || !value.every(isNonEmptyString))
    fail(`has a ${field} that is neither a list of names nor one pattern`);
}

function checkRegExp(pattern: string, field: string, fail: (why: string) => never): void {
  try {
    new RegExp(pattern);
  } catch {
    fail(`has a ${field} pattern ${JSON.stringify(pattern)} that is not a valid regular expression`);
  }
}

/**
 * PEFT 0.21 fields that select another method or variant. A file that sets one of them (to anything
 * but its "off" value) describes an adapter this library would compute differently, so it is refused
 * rather than silently misread.
 */
const UNSUPPORTED_FIELDS: readonly string[] = [
  'use_dora',
  'lora_bias',
  'use_qalora',
  'use_bdlora',
  'layer_replication',
  'target_parameters',
  'trainable_token_indices',
  'alora_invocation_tokens',
  'megatron_config',
  'loftq_config',
  'eva_config',
  'corda_config',
  'arrow_config',
  'kasa_config',
  'monteclora_config',
  'lora_ga_config',
  'velora_config',
];

function isOff(value: unknown): boolean {
  if (value === null || value === undefined || value === false) return true;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object') return Object.keys(value).length === 0;
  return false;
}

/**
 * Reads an `adapter_config.json` text. Missing fields take PEFT's defaults; fields we do not know are
 * ignored, as PEFT ignores them; a field that turns on a variant we do not implement is refused.
 */
export function parseLoraConfig(text: string, source = ADAPTER_CONFIG_NAME): LoraConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new UserError(`${source} is not valid JSON (${(error as Error).message}).`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new UserError(`${source} does not hold a JSON object.`);
  }
  const fields = raw as Record<string, unknown>;
  if (fields.peft_type !== 'LORA') {
    const found =
      fields.peft_type === undefined ? 'no peft_type' : `peft_type ${JSON.stringify(fields.peft_type)}`;
    throw new UserError(`${source} has ${found}, but LoRA Lab reads only LoRA adapters (peft_type "LORA").`);
  }
  for (const field of UNSUPPORTED_FIELDS) {
    if (!isOff(fields[field])) {
      throw new UserError(`${source} sets ${field}, a PEFT variant that LoRA Lab does not support.`);
    }
  }
  const init: Record<string, unknown> = {};
  const known: readonly (keyof LoraConfig)[] = [
    'task_type',
    'r',
    'lora_alpha',
    'lora_dropout',
    'target_modules',
    'exclude_modules',
    'layers_to_transform',
    'layers_pattern',
    'rank_pattern',
    'alpha_pattern',
    'bias',
    'modules_to_save',
    'use_rslora',
    'init_lora_weights',
    'fan_in_fan_out',
    'inference_mode',
    'base_model_name_or_path',
    'revision',
  ];
  for (const key of known) {
    const value = fields[key];
    // PEFT writes null for an empty pattern table in some versions; treat it as empty.
    if ((key === 'rank_pattern' || key === 'alpha_pattern') && value === null) continue;
    if (value !== undefined) init[key] = value;
  }
  const config = { ...createDefaults(), ...init } as LoraConfig;
  validateLoraConfig(config, source);
  return config;
}

function createDefaults(): LoraConfig {
  return createLoraConfig();
}

/**
 * The JSON PEFT 0.21 writes for this config: every field PEFT has, its "off" value for the variants we do
 * not implement, so that `PeftConfig.from_pretrained` reads it without warnings. Keys are sorted, as
 * PEFT writes them.
 */
export function loraConfigToJson(config: LoraConfig): Record<string, unknown> {
  validateLoraConfig(config);
  const out: Record<string, unknown> = {
    alora_invocation_tokens: null,
    alpha_pattern: { ...config.alpha_pattern },
    arrow_config: null,
    auto_mapping: null,
    base_model_name_or_path: config.base_model_name_or_path,
    bias: config.bias,
    corda_config: null,
    ensure_weight_tying: false,
    eva_config: null,
    exclude_modules: config.exclude_modules,
    fan_in_fan_out: config.fan_in_fan_out,
    inference_mode: config.inference_mode,
    init_lora_weights: config.init_lora_weights,
    kasa_config: null,
    layer_replication: null,
    layers_pattern: config.layers_pattern,
    layers_to_transform: config.layers_to_transform,
    loftq_config: {},
    lora_alpha: config.lora_alpha,
    lora_bias: false,
    lora_dropout: config.lora_dropout,
    lora_ga_config: null,
    megatron_config: null,
    megatron_core: 'megatron.core',
    modules_to_save: config.modules_to_save,
    monteclora_config: null,
    peft_type: 'LORA',
    qalora_group_size: 16,
    r: config.r,
    rank_pattern: { ...config.rank_pattern },
    revision: config.revision,
    target_modules: config.target_modules,
    target_parameters: null,
    task_type: config.task_type,
    trainable_token_indices: null,
    use_bdlora: null,
    use_dora: false,
    use_qalora: false,
    use_rslora: config.use_rslora,
    velora_config: null,
  };
  return out;
}

/** `adapter_config.json`'s text: two-space indentation and a final newline, as PEFT writes it. */
export function serializeLoraConfig(config: LoraConfig): string {
  return `${JSON.stringify(loraConfigToJson(config), null, 2)}\n`;
}
