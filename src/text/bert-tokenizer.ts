import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { UserError } from '../errors.js';
import {
  bertOptionsFromConfig,
  bertTokenizerConfig,
  buildBertDefinition,
  DEFAULT_BERT_OPTIONS,
  specialTokensFromConfig,
  type BertDefinitionOptions,
  type TokenizerDefinition,
} from './definition.js';
import { padSequences, type PaddedBatch } from './pad.js';
import { formatVocab, parseVocab } from './vocab.js';

export interface EncodeOptions {
  /** Longest result, [CLS] and [SEP] included. */
  maxLength?: number;
  /** Cut to `maxLength`, keeping [CLS] … [SEP]. Default: true when maxLength is given. */
  truncation?: boolean;
}

export interface EncodeBatchOptions extends EncodeOptions {
  /** 'max_length' pads every row to maxLength; 'longest' (default) to the longest row of the batch. */
  padding?: 'max_length' | 'longest';
}

export type EncodedBatch = PaddedBatch;

/** Where a tokenizer came from; a vocab.txt-only checkpoint is tokenized through a built definition. */
export type TokenizerSource = 'tokenizer.json' | 'vocab.txt' | 'definition';

// A first guess of the characters that hold `limit` tokens; ordinary prose needs about 5 per token.
const CHARS_PER_TOKEN_GUESS = 16;
const CHARS_MARGIN = 256;

/**
 * BERT WordPiece tokenization with HF parity, through @huggingface/tokenizers: the checkpoint's own
 * tokenizer.json where it has one, else the definition HF builds from vocab.txt.
 */
export class BertTokenizer {
  readonly source: TokenizerSource;
  readonly clsId: number;
  readonly sepId: number;
  readonly padId: number;
  readonly unkId: number;
  readonly maskId: number | undefined;
  /** model_max_length of tokenizer_config.json, when it says. */
  readonly modelMaxLength: number | undefined;

  private readonly tokenizer: Tokenizer;
  private readonly definition: TokenizerDefinition;
  private readonly config: Record<string, unknown>;
  private readonly vocab: Map<string, number>;
  private readonly tokens: (string | undefined)[];

  private constructor(
    definition: TokenizerDefinition,
    config: Record<string, unknown>,
    source: TokenizerSource,
    where: string,
    tokensById?: readonly string[],
  ) {
    if (definition.model?.type !== 'WordPiece') {
      throw new UserError(
        `${where} describes a ${definition.model?.type ?? 'unknown'} tokenizer, but a BERT model needs a WordPiece tokenizer.`,
      );
    }
    this.definition = definition;
    this.config = config;
    this.source = source;
    this.vocab = new Map(Object.entries(definition.model.vocab));
    for (const added of definition.added_tokens ?? []) this.vocab.set(added.content, added.id);
    // From a vocab.txt every line keeps its id, even a duplicate that lost the token → id lookup.
    this.tokens = tokensById ? [...tokensById] : [];
    for (const [token, id] of this.vocab) {
      if (this.tokens[id] === undefined) this.tokens[id] = token;
    }
    const special = specialTokensFromConfig(config);
    const need = (name: string): number => {
      const id = this.vocab.get(name);
      if (id === undefined) {
        throw new UserError(
          `The vocabulary of ${where} has no ${name} token, which BERT needs (it needs ${special.cls}, ${special.sep}, ${special.unk} and ${special.pad}).`,
        );
      }
      return id;
    };
    this.clsId = need(special.cls);
    this.sepId = need(special.sep);
    this.unkId = need(special.unk);
    this.padId = need(special.pad);
    this.maskId = this.vocab.get(special.mask);
    this.modelMaxLength =
      typeof config.model_max_length === 'number' && config.model_max_length < 1e9
        ? config.model_max_length
        : undefined;
    this.tokenizer = new Tokenizer(definition, config);
  }

  /**
   * Loads the tokenizer of a Hugging Face model directory: tokenizer.json (+ tokenizer_config.json)
   * when present, otherwise vocab.txt with the settings of tokenizer_config.json (HF's defaults
   * without it: lower-case, strip accents, split CJK characters).
   */
  static fromDirectory(dir: string): BertTokenizer {
    if (!existsSync(dir)) throw new UserError(`Tokenizer directory ${dir} does not exist.`);
    if (!statSync(dir).isDirectory())
      throw new UserError(`${dir} is a file, but a tokenizer is loaded from a model directory.`);
    const configPath = join(dir, 'tokenizer_config.json');
    const config = existsSync(configPath) ? readJsonObject(configPath) : {};
    const jsonPath = join(dir, 'tokenizer.json');
    if (existsSync(jsonPath)) {
      const definition = readJsonObject(jsonPath) as unknown as TokenizerDefinition;
      if (!definition.model || typeof definition.model !== 'object' || !definition.model.vocab) {
        throw new UserError(`${jsonPath} has no model vocabulary, so it is not a tokenizer.json.`);
      }
      return new BertTokenizer(
        definition,
        { ...configFromDefinition(definition), ...config },
        'tokenizer.json',
        jsonPath,
      );
    }
    const vocabPath = join(dir, 'vocab.txt');
    if (existsSync(vocabPath)) {
      const tokens = parseVocab(readFileSync(vocabPath, 'utf8'), vocabPath);
      const options = bertOptionsFromConfig(config);
      return new BertTokenizer(
        buildBertDefinition(tokens, options),
        withDefaults(config, options),
        'vocab.txt',
        vocabPath,
        tokens,
      );
    }
    throw new UserError(`${dir} has neither tokenizer.json nor vocab.txt, so there is no tokenizer to load.`);
  }

  /** A tokenizer from a token list (`tokens[i]` has id i), as if read from vocab.txt. */
  static fromVocab(
    tokens: readonly string[],
    options: BertDefinitionOptions = DEFAULT_BERT_OPTIONS,
  ): BertTokenizer {
    return new BertTokenizer(
      buildBertDefinition(tokens, options),
      bertTokenizerConfig(options),
      'definition',
      'the given vocabulary',
      tokens,
    );
  }

  /** Number of ids, added tokens included (HF's `len(tokenizer)`). */
  get vocabSize(): number {
    return this.tokens.length;
  }

  tokenToId(token: string): number | undefined {
    return this.vocab.get(token);
  }

  idToToken(id: number): string | undefined {
    return this.tokens[id];
  }

  /** WordPiece tokens of a text, without [CLS]/[SEP]. */
  tokenize(text: string): string[] {
    return this.tokenizer.encode(text, { add_special_tokens: false }).tokens;
  }

  /** Ids with [CLS] first and [SEP] last; with maxLength, cut to at most maxLength ids. */
  encode(text: string, options: EncodeOptions = {}): number[] {
    const limit = contentLimit(options);
    return [this.clsId, ...this.contentIds(text, limit), this.sepId];
  }

  /** Encodes and pads a batch: `padding` 'longest' (default) or 'max_length'. */
  encodeBatch(texts: readonly string[], options: EncodeBatchOptions = {}): EncodedBatch {
    const { maxLength, padding = 'longest' } = options;
    if (padding === 'max_length' && maxLength === undefined) {
      throw new UserError(`Padding to 'max_length' needs a maxLength.`);
    }
    const rows = texts.map((text) => this.encode(text, options));
    const longest = rows.reduce((m, row) => Math.max(m, row.length), 0);
    const length = padding === 'max_length' ? (maxLength as number) : longest;
    if (longest > length) {
      throw new UserError(
        `A text of the batch has ${longest} tokens, more than maxLength ${length}; enable truncation or raise maxLength.`,
      );
    }
    return padSequences(rows, length, this.padId);
  }

  decode(ids: readonly number[], options: { skipSpecialTokens?: boolean } = {}): string {
    return this.tokenizer.decode([...ids], { skip_special_tokens: options.skipSpecialTokens ?? true });
  }

  /**
   * The contents of vocab.txt, one token per line in id order. Writing the file is the io layer's job
   * (src/io/tokenizer-files.ts), so the text layer stays free of the file system's write side.
   */
  vocabText(): string {
    const gap = this.tokens.findIndex((token) => token === undefined);
    if (gap !== -1)
      throw new UserError(`The vocabulary has no token for id ${gap}, so it cannot be written as vocab.txt.`);
    return formatVocab(this.tokens as string[]);
  }

  /** The definition of tokenizer.json (HF's fast-tokenizer format), as loaded or built. */
  get tokenizerJson(): Readonly<TokenizerDefinition> {
    return this.definition;
  }

  /** The settings of tokenizer_config.json. */
  get tokenizerConfig(): Readonly<Record<string, unknown>> {
    return this.config;
  }

  /** Content ids (no [CLS]/[SEP]), the first `limit` of them when a limit is given. */
  private contentIds(text: string, limit: number | undefined): number[] {
    if (limit === undefined) return this.rawIds(text);
    // A huge text (a 5 MB narrative) is tokenized by prefixes that end before white space: the
    // tokens of such a prefix are exactly the first tokens of the whole text, so once a prefix
    // yields `limit` tokens the answer is exact. The prefix grows until it does or is the text.
    let budget = limit * CHARS_PER_TOKEN_GUESS + CHARS_MARGIN;
    while (budget < text.length) {
      const end = lastBreakAtOrBefore(text, budget);
      if (end > 0) {
        const ids = this.rawIds(text.slice(0, end));
        if (ids.length >= limit) return ids.slice(0, limit);
      }
      budget *= 4;
    }
    return this.rawIds(text).slice(0, limit);
  }

  private rawIds(text: string): number[] {
    return this.tokenizer.encode(text, { add_special_tokens: false }).ids;
  }
}

function contentLimit(options: EncodeOptions): number | undefined {
  const { maxLength } = options;
  if (maxLength === undefined) return undefined;
  if (!Number.isInteger(maxLength) || maxLength < 2) {
    throw new UserError(
      `maxLength must be an integer of at least 2 (room for [CLS] and [SEP]), got ${maxLength}.`,
    );
  }
  return (options.truncation ?? true) ? maxLength - 2 : undefined;
}

/** Index of the last ASCII white space at or before `index` (a token boundary), or -1. */
function lastBreakAtOrBefore(text: string, index: number): number {
  for (let i = Math.min(index, text.length - 1); i > 0; i--) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 10 || c === 13 || c === 9) return i;
  }
  return -1;
}

/** tokenizer_config.json settings that match a tokenizer.json's BertNormalizer (for a directory that lacks the file). */
function configFromDefinition(definition: TokenizerDefinition): Record<string, unknown> {
  const normalizer = definition.normalizer ?? {};
  const options: BertDefinitionOptions = { ...DEFAULT_BERT_OPTIONS };
  if (normalizer.type === 'BertNormalizer') {
    if (typeof normalizer.lowercase === 'boolean') options.lowercase = normalizer.lowercase;
    if (typeof normalizer.strip_accents === 'boolean') options.stripAccents = normalizer.strip_accents;
    if (typeof normalizer.handle_chinese_chars === 'boolean')
      options.handleChineseChars = normalizer.handle_chinese_chars;
  }
  return bertTokenizerConfig(options);
}

function withDefaults(
  config: Record<string, unknown>,
  options: BertDefinitionOptions,
): Record<string, unknown> {
  return { ...bertTokenizerConfig(options), ...config };
}

function readJsonObject(path: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new UserError(`${path} is not valid JSON (${(error as Error).message}).`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw new UserError(`${path} does not hold a JSON object.`);
  return value as Record<string, unknown>;
}
