import { Tokenizer } from '@huggingface/tokenizers';
import { UserError } from '../errors.js';
import { tokensById, type TokenizerDefinition } from './definition.js';
import { padSequences, type PaddedBatch, type Side } from './pad.js';
import { lengthSeenWhenCut, preTokenCounts } from './pre-token-counts.js';
import { firstContentIds, prefixesAreExact } from './prefix-tokenization.js';
import {
  applyTemplate,
  specialCount,
  templateOf,
  type EncodedText,
  type SpecialTemplate,
  type TemplatePiece,
} from './special-template.js';
import { resolveSpecialTokens, withSpecialTokensNamed, type SpecialTokens } from './special-tokens.js';
import {
  readTokenizerDirectory,
  readTokenizerFiles,
  type TokenizerFileSource,
  type TokenizerFallback,
  type TokenizerFiles,
  type TokenizerSource,
} from './tokenizer-directory.js';
import { cappedLengthsSuffice, longestFirstLengths } from './truncation.js';
import { formatVocab } from './vocab.js';
import {
  bertTokenizerConfig,
  buildBertDefinition,
  DEFAULT_BERT_OPTIONS,
  type BertDefinitionOptions,
} from './wordpiece-definition.js';

export interface EncodeOptions {
  /** Longest result, special tokens included. */
  maxLength?: number;
  /**
   * Cut to `maxLength`, keeping the special tokens; a pair is cut as HF's `longest_first` cuts it.
   * Default: true when maxLength is given.
   */
  truncation?: boolean;
}

export interface EncodeBatchOptions extends EncodeOptions {
  /** 'max_length' pads every row to maxLength; 'longest' (default) to the longest row of the batch. */
  padding?: 'max_length' | 'longest';
}

export type { Side };

/** One input: a text, or a text with the second text of its pair (a data row's `textPair`). */
export type TextInput = string | { readonly text: string; readonly textPair?: string | null };

export type EncodedBatch = PaddedBatch;
export type { EncodedText, SpecialTokens, TokenizerFallback, TokenizerFileSource, TokenizerSource };

/**
 * Tokenization with HF parity for every family LoRA Lab loads, through @huggingface/tokenizers: the
 * checkpoint's tokenizer.json of any kind (WordPiece, byte-level BPE, SentencePiece Unigram), else the
 * definition HF builds from vocab.txt or from vocab.json + merges.txt. Special tokens go where the
 * checkpoint's post-processor puts them, singly and for pairs.
 */
export class TextTokenizer {
  readonly source: TokenizerSource;
  /** The special token of each role, as transformers resolves them. */
  readonly specialTokens: Readonly<SpecialTokens>;
  /** The pad token's id: what batches are padded with (RoBERTa's is 1). */
  readonly padId: number;
  /** cls_token, else bos_token (RoBERTa's <s>). */
  readonly clsId: number | undefined;
  /** sep_token, else eos_token (RoBERTa's </s>). */
  readonly sepId: number | undefined;
  readonly unkId: number | undefined;
  readonly maskId: number | undefined;
  /** model_max_length of tokenizer_config.json, when it says. */
  readonly modelMaxLength: number | undefined;
  /** padding_side of tokenizer_config.json: where batches put their padding (default right). */
  readonly paddingSide: Side;
  /** truncation_side of tokenizer_config.json: which end a cut text loses (default right). */
  readonly truncationSide: Side;

  private readonly tokenizer: Tokenizer;
  private readonly definition: TokenizerDefinition;
  /** tokenizer_config.json as loaded, naming every special token resolved (so HF resolves the same). */
  private readonly config: Record<string, unknown>;
  private readonly tokens: (string | undefined)[];
  private readonly template: SpecialTemplate;
  private readonly prefixesAreExact: boolean;

  private constructor(files: TokenizerFiles) {
    const { definition, config, where } = files;
    this.definition = definition;
    this.source = files.source;
    try {
      this.tokenizer = new Tokenizer(definition, config);
    } catch (error) {
      throw new UserError(`${where} could not be read as a tokenizer (${(error as Error).message}).`);
    }
    this.tokens = tokensById(definition, files.tokensById);
    this.template = templateOf(definition.post_processor, where);
    this.prefixesAreExact = prefixesAreExact(definition);
    const has = (token: string): boolean => this.tokenToId(token) !== undefined;
    this.specialTokens = resolveSpecialTokens(config, this.template, has);
    this.config = withSpecialTokensNamed(config, this.specialTokens);
    const idOf = (token: string | undefined): number | undefined =>
      token === undefined ? undefined : this.tokenToId(token);
    this.padId = padIdOf(this.specialTokens.pad, idOf, where);
    this.clsId = idOf(this.specialTokens.cls ?? this.specialTokens.bos);
    this.sepId = idOf(this.specialTokens.sep ?? this.specialTokens.eos);
    this.unkId = idOf(this.specialTokens.unk);
    this.maskId = idOf(this.specialTokens.mask);
    this.modelMaxLength =
      typeof config.model_max_length === 'number' && config.model_max_length < 1e9
        ? config.model_max_length
        : undefined;
    this.paddingSide = sideOf(config, 'padding_side', where);
    this.truncationSide = sideOf(config, 'truncation_side', where);
  }

  /**
   * Loads the tokenizer of a Hugging Face model directory: tokenizer.json (+ tokenizer_config.json,
   * special_tokens_map.json) of any model type when present, otherwise the vocabulary files that
   * `fallback` (the model family's) allows — vocab.txt for WordPiece, vocab.json + merges.txt for
   * byte-level BPE — with the settings of tokenizer_config.json.
   */
  static fromDirectory(dir: string, options: { fallback: TokenizerFallback }): TextTokenizer {
    return new TextTokenizer(readTokenizerDirectory(dir, options.fallback));
  }

  /** As fromDirectory, over the directory's files from any source (fetched or picked in a browser). */
  static fromFiles(files: TokenizerFileSource, options: { fallback: TokenizerFallback }): TextTokenizer {
    return new TextTokenizer(readTokenizerFiles(files, options.fallback));
  }

  /** A WordPiece tokenizer from a token list (`tokens[i]` has id i), as if read from vocab.txt. */
  static fromVocab(
    tokens: readonly string[],
    options: BertDefinitionOptions = DEFAULT_BERT_OPTIONS,
  ): TextTokenizer {
    return new TextTokenizer({
      definition: buildBertDefinition(tokens, options),
      config: bertTokenizerConfig(options),
      source: 'definition',
      where: 'the given vocabulary',
      tokensById: [...tokens],
    });
  }

  /** Number of ids, added tokens included (HF's `len(tokenizer)`). */
  get vocabSize(): number {
    return this.tokens.length;
  }

  tokenToId(token: string): number | undefined {
    return this.tokenizer.token_to_id(token);
  }

  idToToken(id: number): string | undefined {
    return this.tokens[id];
  }

  /** The tokens of a text, without special tokens. */
  tokenize(text: string): string[] {
    return this.tokenizer.encode(text, { add_special_tokens: false }).tokens;
  }

  /** The ids of one text with its special tokens; with maxLength, cut to at most maxLength ids. */
  encode(text: string, options: EncodeOptions = {}): number[] {
    return this.encodeSingle(text, options).ids;
  }

  /**
   * The ids and token type ids of a pair, `textPair` after `text` as the post-processor joins them
   * (BERT: [CLS] A [SEP] B [SEP], B's part of type 1). With maxLength, the two texts are cut as HF's
   * default `longest_first` strategy cuts them until the whole fits.
   */
  encodePair(text: string, textPair: string, options: EncodeOptions = {}): EncodedText {
    const pieces = this.template.pair;
    const budget = contentBudget(options, pieces);
    if (budget === undefined) return applyTemplate(pieces, this.contentIds(text), this.contentIds(textPair));
    // The first budget + 1 tokens of each text tell longest_first all it needs, but for one case.
    const a = this.idsToCut(text, budget + 1);
    const b = this.idsToCut(textPair, budget + 1);
    const [lengthA, lengthB] = cappedLengthsSuffice(a.length, b.length, budget)
      ? [a.length, b.length]
      : [
          this.lengthSeenWhenCut(text, options.maxLength!),
          this.lengthSeenWhenCut(textPair, options.maxLength!),
        ];
    const [keepA, keepB] = longestFirstLengths(lengthA, lengthB, budget);
    return applyTemplate(pieces, this.keep(a, keepA), this.keep(b, keepB));
  }

  /** A text alone or a pair, as `encode` or `encodePair` encode it. */
  encodeInput(input: TextInput, options: EncodeOptions = {}): EncodedText {
    if (typeof input === 'string') return this.encodeSingle(input, options);
    if (input.textPair === undefined || input.textPair === null)
      return this.encodeSingle(input.text, options);
    return this.encodePair(input.text, input.textPair, options);
  }

  /** Encodes and pads a batch of texts or pairs: `padding` 'longest' (default) or 'max_length'. */
  encodeBatch(inputs: readonly TextInput[], options: EncodeBatchOptions = {}): EncodedBatch {
    const { maxLength, padding = 'longest' } = options;
    if (padding === 'max_length' && maxLength === undefined) {
      throw new UserError(`Padding to 'max_length' needs a maxLength.`);
    }
    const rows = inputs.map((input) => this.encodeInput(input, options));
    const longest = rows.reduce((m, row) => Math.max(m, row.ids.length), 0);
    const length = padding === 'max_length' ? (maxLength as number) : longest;
    if (longest > length) {
      throw new UserError(
        `A text of the batch has ${longest} tokens, more than maxLength ${length}; enable truncation or raise maxLength.`,
      );
    }
    return padSequences(
      rows.map((row) => row.ids),
      length,
      this.padId,
      rows.map((row) => row.tokenTypeIds),
      this.paddingSide,
    );
  }

  decode(ids: readonly number[], options: { skipSpecialTokens?: boolean } = {}): string {
    return this.tokenizer.decode([...ids], { skip_special_tokens: options.skipSpecialTokens ?? true });
  }

  /**
   * vocab.txt's contents, one token per line in id order, for a WordPiece tokenizer (undefined for
   * others, whose tokenizer.json says all). Writing files is the io layer's job
   * (src/io/tokenizer-files.ts), so the text layer stays free of the file system's write side.
   */
  vocabText(): string | undefined {
    if (this.definition.model.type !== 'WordPiece') return undefined;
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

  private encodeSingle(text: string, options: EncodeOptions): EncodedText {
    const pieces = this.template.single;
    const budget = contentBudget(options, pieces);
    if (budget === undefined) return applyTemplate(pieces, this.contentIds(text));
    return applyTemplate(pieces, this.keep(this.idsToCut(text, budget), budget));
  }

  /**
   * Enough of a text's ids to cut it to `limit` tokens from the truncation side: its first `limit`
   * (found from a prefix of a long text) when the end is cut, all of them when the start is.
   */
  private idsToCut(text: string, limit: number): number[] {
    if (this.truncationSide === 'left') return this.contentIds(text);
    return firstContentIds((t) => this.contentIds(t), text, limit, this.prefixesAreExact);
  }

  /** `count` ids of `ids`, the end they are kept at being the one truncation_side does not cut. */
  private keep(ids: number[], count: number): number[] {
    if (ids.length <= count) return ids;
    return this.truncationSide === 'left' ? ids.slice(ids.length - count) : ids.slice(0, count);
  }

  /** A text's length as the tokenizers library sees it when cutting to maxLength (see pre-token-counts). */
  private lengthSeenWhenCut(text: string, maxLength: number): number {
    const counts = preTokenCounts(this.tokenizer, text);
    if (counts === undefined) return this.contentIds(text).length;
    return lengthSeenWhenCut(counts, maxLength, this.truncationSide);
  }

  private contentIds(text: string): number[] {
    return this.tokenizer.encode(text, { add_special_tokens: false }).ids;
  }
}

/** The pad token's id; a tokenizer without one cannot make batches. */
function padIdOf(
  pad: string | undefined,
  idOf: (token: string) => number | undefined,
  where: string,
): number {
  if (pad === undefined) {
    throw new UserError(
      `${where} names no padding token (pad_token in tokenizer_config.json), which batches need.`,
    );
  }
  const id = idOf(pad);
  if (id === undefined)
    throw new UserError(`The vocabulary of ${where} has no ${pad} token, its padding token.`);
  return id;
}

/** padding_side or truncation_side of tokenizer_config.json: 'right' unless it says 'left'. */
function sideOf(config: Record<string, unknown>, key: string, where: string): Side {
  const value = config[key];
  if (value === undefined || value === null || value === 'right') return 'right';
  if (value === 'left') return 'left';
  throw new UserError(`${where}: ${key} is ${JSON.stringify(value)}; it must be "right" or "left".`);
}

/** The content tokens that fit beside the special tokens, or undefined when nothing is cut. */
function contentBudget(options: EncodeOptions, pieces: readonly TemplatePiece[]): number | undefined {
  const { maxLength } = options;
  if (maxLength === undefined) return undefined;
  const specials = specialCount(pieces);
  const least = Math.max(specials, 1);
  if (!Number.isInteger(maxLength) || maxLength < least) {
    throw new UserError(
      `maxLength must be an integer of at least ${least} (room for its ${specials} special tokens), got ${maxLength}.`,
    );
  }
  return (options.truncation ?? true) ? maxLength - specials : undefined;
}
