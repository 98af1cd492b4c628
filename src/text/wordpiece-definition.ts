import { UserError } from '../errors.js';
import { specialAddedToken, type AddedTokenDefinition, type TokenizerDefinition } from './definition.js';

/**
 * The WordPiece definition of a checkpoint that ships only vocab.txt (prajjwal1/bert-tiny does): the
 * one HF would build for it — BertNormalizer, BertPreTokenizer, WordPiece with `##`, BertProcessing
 * with [CLS]/[SEP], exactly what `BertWordPieceTokenizer(vocab.txt)` produces — and the BERT settings
 * of tokenizer_config.json it follows.
 */

export interface SpecialTokenNames {
  unk: string;
  cls: string;
  sep: string;
  pad: string;
  mask: string;
}

const DEFAULT_SPECIAL_TOKENS: SpecialTokenNames = {
  unk: '[UNK]',
  cls: '[CLS]',
  sep: '[SEP]',
  pad: '[PAD]',
  mask: '[MASK]',
};

export interface BertDefinitionOptions {
  lowercase: boolean;
  /** null: follow `lowercase`, as HF does. */
  stripAccents: boolean | null;
  handleChineseChars: boolean;
  cleanText: boolean;
  maxInputCharsPerWord: number;
  special: SpecialTokenNames;
}

export const DEFAULT_BERT_OPTIONS: BertDefinitionOptions = {
  lowercase: true,
  stripAccents: null,
  handleChineseChars: true,
  cleanText: true,
  maxInputCharsPerWord: 100,
  special: DEFAULT_SPECIAL_TOKENS,
};

/**
 * `tokens[i]` has id i. Later duplicates win the token → id lookup, as in HF's vocab loading.
 * `where` names the vocabulary in the error for a special token it lacks.
 */
export function buildBertDefinition(
  tokens: readonly string[],
  options: BertDefinitionOptions = DEFAULT_BERT_OPTIONS,
  where = 'the given vocabulary',
): TokenizerDefinition {
  // Object.fromEntries defines own properties, so a token such as "__proto__" is stored, not swallowed.
  const vocab: Record<string, number> = Object.fromEntries(tokens.map((token, id) => [token, id]));
  const { special } = options;
  for (const name of [special.cls, special.sep, special.unk, special.pad]) {
    if (!Object.hasOwn(vocab, name)) {
      throw new UserError(
        `The vocabulary of ${where} has no ${name} token, which a WordPiece tokenizer needs (it needs ${special.cls}, ${special.sep}, ${special.unk} and ${special.pad}).`,
      );
    }
  }
  const added: AddedTokenDefinition[] = [];
  for (const name of [special.pad, special.unk, special.cls, special.sep, special.mask]) {
    const id = Object.hasOwn(vocab, name) ? vocab[name] : undefined;
    if (id === undefined || added.some((token) => token.content === name)) continue;
    added.push(specialAddedToken(name, id));
  }
  added.sort((a, b) => a.id - b.id);
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: {
      type: 'BertNormalizer',
      clean_text: options.cleanText,
      handle_chinese_chars: options.handleChineseChars,
      strip_accents: options.stripAccents,
      lowercase: options.lowercase,
    },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'BertProcessing',
      sep: [special.sep, vocab[special.sep]],
      cls: [special.cls, vocab[special.cls]],
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: special.unk,
      continuing_subword_prefix: '##',
      max_input_chars_per_word: options.maxInputCharsPerWord,
      vocab,
    },
  };
}

/** A special-token entry of tokenizer_config.json: a string or an AddedToken object. */
function tokenName(value: unknown, fallback: string): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as { content?: unknown }).content === 'string') {
    return (value as { content: string }).content;
  }
  return fallback;
}

export function specialTokensFromConfig(config: Record<string, unknown>): SpecialTokenNames {
  return {
    unk: tokenName(config.unk_token, DEFAULT_SPECIAL_TOKENS.unk),
    cls: tokenName(config.cls_token, DEFAULT_SPECIAL_TOKENS.cls),
    sep: tokenName(config.sep_token, DEFAULT_SPECIAL_TOKENS.sep),
    pad: tokenName(config.pad_token, DEFAULT_SPECIAL_TOKENS.pad),
    mask: tokenName(config.mask_token, DEFAULT_SPECIAL_TOKENS.mask),
  };
}

/** The options HF's BertTokenizer takes from tokenizer_config.json (defaults: lower-case, strip accents). */
export function bertOptionsFromConfig(config: Record<string, unknown>): BertDefinitionOptions {
  const lowercase = typeof config.do_lower_case === 'boolean' ? config.do_lower_case : true;
  const stripAccents = typeof config.strip_accents === 'boolean' ? config.strip_accents : null;
  const handleChineseChars =
    typeof config.tokenize_chinese_chars === 'boolean' ? config.tokenize_chinese_chars : true;
  return {
    ...DEFAULT_BERT_OPTIONS,
    lowercase,
    stripAccents,
    handleChineseChars,
    special: specialTokensFromConfig(config),
  };
}

/** tokenizer_config.json for a saved directory, so that HF's AutoTokenizer loads it as BERT. */
export function bertTokenizerConfig(
  options: BertDefinitionOptions,
  modelMaxLength?: number,
): Record<string, unknown> {
  const config: Record<string, unknown> = {
    do_lower_case: options.lowercase,
    tokenize_chinese_chars: options.handleChineseChars,
    strip_accents: options.stripAccents,
    tokenizer_class: 'BertTokenizer',
    unk_token: options.special.unk,
    sep_token: options.special.sep,
    pad_token: options.special.pad,
    cls_token: options.special.cls,
    mask_token: options.special.mask,
  };
  if (modelMaxLength !== undefined) config.model_max_length = modelMaxLength;
  return config;
}
