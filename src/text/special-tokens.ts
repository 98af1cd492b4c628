import { enclosingTokens, type SpecialTemplate } from './special-template.js';

/** The roles of special tokens, by the names of tokenizer_config.json (`cls_token` …). */
export const SPECIAL_ROLES = ['bos', 'eos', 'unk', 'sep', 'pad', 'cls', 'mask'] as const;
export type SpecialRole = (typeof SPECIAL_ROLES)[number];

/** The special token of each role a tokenizer has (its text, e.g. "[CLS]" or "<s>"). */
export type SpecialTokens = Partial<Record<SpecialRole, string>>;

const BRACKETS: SpecialTokens = { unk: '[UNK]', sep: '[SEP]', pad: '[PAD]', cls: '[CLS]', mask: '[MASK]' };
const ANGLES: SpecialTokens = {
  bos: '<s>',
  eos: '</s>',
  unk: '<unk>',
  sep: '</s>',
  pad: '<pad>',
  cls: '<s>',
  mask: '<mask>',
};

/** The defaults of transformers' tokenizer classes, for a role that tokenizer_config.json leaves out. */
const CLASS_DEFAULTS: Record<string, SpecialTokens> = {
  BertTokenizer: BRACKETS,
  DistilBertTokenizer: BRACKETS,
  ElectraTokenizer: BRACKETS,
  RobertaTokenizer: ANGLES,
  XLMRobertaTokenizer: ANGLES,
};

/** A special-token entry of tokenizer_config.json: a string or an AddedToken object; null means none. */
export function tokenText(value: unknown): string | null | undefined {
  if (value === null) return null;
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as { content?: unknown }).content === 'string') {
    return (value as { content: string }).content;
  }
  return undefined;
}

/**
 * The special tokens as transformers resolves them: tokenizer_config.json (with special_tokens_map.json
 * merged over it by the loader), else the tokenizer class's defaults. A config that names no class
 * gets the defaults of the style its vocabulary has ([PAD] or <pad>). A cls or sep still unnamed is
 * the token that opens or closes a single text in the post-processor.
 */
export function resolveSpecialTokens(
  config: Record<string, unknown>,
  template: SpecialTemplate,
  hasToken: (token: string) => boolean,
): SpecialTokens {
  const defaults = classDefaults(config.tokenizer_class, hasToken);
  const tokens: SpecialTokens = {};
  for (const role of SPECIAL_ROLES) {
    const named = tokenText(config[`${role}_token`]);
    const text = named === undefined ? defaults[role] : named;
    if (text !== null && text !== undefined) tokens[role] = text;
  }
  const { first, last } = enclosingTokens(template);
  tokens.cls ??= first;
  tokens.sep ??= last;
  return tokens;
}

function classDefaults(tokenizerClass: unknown, hasToken: (token: string) => boolean): SpecialTokens {
  if (typeof tokenizerClass === 'string') return CLASS_DEFAULTS[tokenizerClass.replace(/Fast$/, '')] ?? {};
  if (hasToken('[PAD]')) return BRACKETS;
  if (hasToken('<pad>')) return ANGLES;
  return {};
}

/** The special tokens as tokenizer_config.json entries (`cls_token` …). */
export function specialTokenEntries(tokens: SpecialTokens): Record<string, string> {
  const entries: Record<string, string> = {};
  for (const role of SPECIAL_ROLES) {
    const text = tokens[role];
    if (text !== undefined) entries[`${role}_token`] = text;
  }
  return entries;
}

/**
 * The settings with every resolved special token named (those the file names stay as they are), so
 * that a saved tokenizer_config.json leaves transformers nothing to guess.
 */
export function withSpecialTokensNamed(
  config: Record<string, unknown>,
  tokens: SpecialTokens,
): Record<string, unknown> {
  const named = { ...config };
  for (const [key, text] of Object.entries(specialTokenEntries(tokens))) {
    if (!Object.hasOwn(config, key)) named[key] = text;
  }
  return named;
}

export const ROBERTA_SPECIAL_TOKENS: Readonly<SpecialTokens> = ANGLES;
