import { UserError } from '../errors.js';
import { specialAddedToken, type TokenizerDefinition } from './definition.js';
import {
  ROBERTA_SPECIAL_TOKENS,
  SPECIAL_ROLES,
  specialTokenEntries,
  type SpecialTokens,
} from './special-tokens.js';

/**
 * The byte-level BPE definition of a checkpoint that ships vocab.json and merges.txt but no
 * tokenizer.json (older RoBERTa checkpoints): the one transformers' RobertaTokenizerFast builds from
 * them — no normalizer, a ByteLevel pre-tokenizer (add_prefix_space from tokenizer_config.json), BPE
 * without an unknown token, RobertaProcessing with `<s>`/`</s>`, the special tokens as added tokens.
 */
export interface ByteLevelBpeOptions {
  addPrefixSpace: boolean;
  trimOffsets: boolean;
  special: SpecialTokens;
}

/** RobertaTokenizer's defaults, the settings tokenizer_config.json leaves out. */
export const DEFAULT_BYTE_LEVEL_BPE_OPTIONS: ByteLevelBpeOptions = {
  addPrefixSpace: false,
  trimOffsets: true,
  special: ROBERTA_SPECIAL_TOKENS,
};

export function buildByteLevelBpeDefinition(
  vocab: Record<string, number>,
  merges: [string, string][],
  options: ByteLevelBpeOptions,
  where: string,
): TokenizerDefinition {
  const { special } = options;
  const idOf = (role: 'cls' | 'sep'): [string, number] => {
    const text = special[role];
    if (text === undefined || !Object.hasOwn(vocab, text)) {
      throw new UserError(
        `The vocabulary of ${where} has no ${text ?? role} token, which a RoBERTa tokenizer puts around every text.`,
      );
    }
    return [text, vocab[text]];
  };
  const cls = idOf('cls');
  const sep = idOf('sep');
  const added = new Map<string, number>();
  for (const role of SPECIAL_ROLES) {
    const text = special[role];
    if (text !== undefined && Object.hasOwn(vocab, text)) added.set(text, vocab[text]);
  }
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [...added].map(([text, id]) => specialAddedToken(text, id)).sort((a, b) => a.id - b.id),
    normalizer: null,
    pre_tokenizer: {
      type: 'ByteLevel',
      add_prefix_space: options.addPrefixSpace,
      trim_offsets: options.trimOffsets,
      use_regex: true,
    },
    post_processor: {
      type: 'RobertaProcessing',
      sep,
      cls,
      trim_offsets: options.trimOffsets,
      add_prefix_space: options.addPrefixSpace,
    },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: '',
      end_of_word_suffix: '',
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges,
    },
  };
}

/** The options RobertaTokenizer takes from tokenizer_config.json (special tokens resolved by the caller). */
export function byteLevelBpeOptionsFromConfig(
  config: Record<string, unknown>,
  special: SpecialTokens,
): ByteLevelBpeOptions {
  return {
    addPrefixSpace:
      typeof config.add_prefix_space === 'boolean'
        ? config.add_prefix_space
        : DEFAULT_BYTE_LEVEL_BPE_OPTIONS.addPrefixSpace,
    trimOffsets:
      typeof config.trim_offsets === 'boolean'
        ? config.trim_offsets
        : DEFAULT_BYTE_LEVEL_BPE_OPTIONS.trimOffsets,
    special,
  };
}

/** tokenizer_config.json for a saved directory, so that HF's AutoTokenizer loads it as RoBERTa. */
export function byteLevelBpeTokenizerConfig(options: ByteLevelBpeOptions): Record<string, unknown> {
  return {
    add_prefix_space: options.addPrefixSpace,
    trim_offsets: options.trimOffsets,
    tokenizer_class: 'RobertaTokenizer',
    ...specialTokenEntries(options.special),
  };
}

/** vocab.json: an object of token → id. */
export function parseVocabJson(text: string, source: string): Record<string, number> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UserError(`${source} is not valid JSON (${(error as Error).message}).`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new UserError(`${source} must hold one JSON object of token → id.`);
  }
  for (const [token, id] of Object.entries(value)) {
    if (!Number.isInteger(id) || (id as number) < 0) {
      throw new UserError(
        `${source} gives the token ${JSON.stringify(token)} the id ${JSON.stringify(id)}, not a whole number.`,
      );
    }
  }
  return value as Record<string, number>;
}

/** merges.txt: a `#version` line, then one merge per line, its two parts split by one space. */
export function parseMerges(text: string, source: string): [string, string][] {
  const merges: [string, string][] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    if (line === '' || (index === 0 && line.startsWith('#version'))) return;
    const parts = line.split(' ');
    if (parts.length !== 2) {
      throw new UserError(`${source} line ${index + 1} is not a merge of two parts split by one space.`);
    }
    merges.push([parts[0], parts[1]]);
  });
  return merges;
}
