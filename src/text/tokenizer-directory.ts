import { UserError } from '../errors.js';
import {
  buildByteLevelBpeDefinition,
  byteLevelBpeOptionsFromConfig,
  byteLevelBpeTokenizerConfig,
  parseMerges,
  parseVocabJson,
} from './byte-level-bpe-definition.js';
import type { TokenizerDefinition } from './definition.js';
import { templateOf } from './special-template.js';
import { resolveSpecialTokens } from './special-tokens.js';
import { tokenizerFolder } from './tokenizer-folder.js';
import { parseVocab } from './vocab.js';
import { bertOptionsFromConfig, bertTokenizerConfig, buildBertDefinition } from './wordpiece-definition.js';

/**
 * How a checkpoint without tokenizer.json is tokenized; its model family decides (the same union as
 * models/family.ts's TokenizerFallback, which the text layer may not import).
 */
export type TokenizerFallback =
  /** vocab.txt with BERT's normalizer and [CLS] A [SEP] B [SEP] (BERT, DistilBERT, ELECTRA). */
  | 'wordpiece'
  /** vocab.json + merges.txt, byte-level, with <s> A </s></s> B </s> (RoBERTa). */
  | 'byte-level-bpe'
  /** tokenizer.json is required. */
  | 'none';

/** Where a tokenizer came from: its own tokenizer.json, vocabulary files, or a token list. */
export type TokenizerSource = 'tokenizer.json' | 'vocab.txt' | 'vocab.json+merges.txt' | 'definition';

/** What a directory holds, read and completed: the definition, the settings, and their origin. */
export interface TokenizerFiles {
  definition: TokenizerDefinition;
  /** tokenizer_config.json with special_tokens_map.json over it, completed with HF's defaults. */
  config: Record<string, unknown>;
  source: TokenizerSource;
  /** The file that defines the tokens, for messages. */
  where: string;
  /** vocab.txt's tokens in line order, duplicates included. */
  tokensById?: string[];
}

/**
 * The files of a model directory that a tokenizer is read from, wherever they are: a folder on disk
 * (tokenizer-folder.ts), or files fetched or picked in a browser.
 */
export interface TokenizerFileSource {
  /** The directory, for messages. */
  readonly where: string;
  /** A file's path or URL, for messages. */
  pathOf(name: string): string;
  has(name: string): boolean;
  /** The file's text (UTF-8); called only for a file that `has` it. */
  text(name: string): string;
}

/**
 * Reads the tokenizer of a Hugging Face model directory: tokenizer.json (+ tokenizer_config.json and
 * special_tokens_map.json) when present, otherwise the vocabulary files the family's fallback allows.
 */
export function readTokenizerDirectory(dir: string, fallback: TokenizerFallback): TokenizerFiles {
  return readTokenizerFiles(tokenizerFolder(dir), fallback);
}

/** readTokenizerDirectory over any source of the directory's files. */
export function readTokenizerFiles(files: TokenizerFileSource, fallback: TokenizerFallback): TokenizerFiles {
  const dir = files.where;
  const config = readSettings(files);
  if (files.has('tokenizer.json')) return fromTokenizerJson(files, config);
  if (fallback === 'wordpiece') {
    const vocabPath = files.pathOf('vocab.txt');
    if (!files.has('vocab.txt'))
      throw new UserError(
        `${dir} has neither tokenizer.json nor vocab.txt, so there is no tokenizer to load.`,
      );
    const tokens = parseVocab(files.text('vocab.txt'), vocabPath);
    const options = bertOptionsFromConfig(config);
    return {
      definition: buildBertDefinition(tokens, options, vocabPath),
      config: { ...bertTokenizerConfig(options), ...config },
      source: 'vocab.txt',
      where: vocabPath,
      tokensById: tokens,
    };
  }
  if (fallback === 'byte-level-bpe') return fromVocabAndMerges(files, config);
  throw new UserError(`${dir} has no tokenizer.json, which this model family needs to tokenize.`);
}

function fromTokenizerJson(files: TokenizerFileSource, config: Record<string, unknown>): TokenizerFiles {
  const path = files.pathOf('tokenizer.json');
  const definition = readJsonObject(files, 'tokenizer.json') as unknown as TokenizerDefinition;
  const model = definition.model as unknown;
  if (!model || typeof model !== 'object' || !(model as { vocab?: unknown }).vocab) {
    throw new UserError(`${path} has no model vocabulary, so it is not a tokenizer.json.`);
  }
  definition.added_tokens ??= [];
  // A WordPiece tokenizer.json without tokenizer_config.json: the BERT settings its normalizer has.
  const defaults =
    definition.model.type === 'WordPiece' ? bertTokenizerConfig(bertOptionsFromNormalizer(definition)) : {};
  return { definition, config: { ...defaults, ...config }, source: 'tokenizer.json', where: path };
}

function fromVocabAndMerges(files: TokenizerFileSource, config: Record<string, unknown>): TokenizerFiles {
  const dir = files.where;
  const vocabPath = files.pathOf('vocab.json');
  const mergesPath = files.pathOf('merges.txt');
  if (!files.has('vocab.json')) {
    throw new UserError(
      `${dir} has neither tokenizer.json nor vocab.json with merges.txt, so there is no tokenizer to load.`,
    );
  }
  if (!files.has('merges.txt'))
    throw new UserError(
      `${dir} has vocab.json but no merges.txt, so its byte-level BPE tokenizer cannot be built.`,
    );
  const vocab = parseVocabJson(files.text('vocab.json'), vocabPath);
  const merges = parseMerges(files.text('merges.txt'), mergesPath);
  const settings = { tokenizer_class: 'RobertaTokenizer', ...config };
  // RobertaProcessing's <s>/</s> are the config's cls/sep, so no template is there to fall back on.
  const special = resolveSpecialTokens(settings, templateOf(null, vocabPath), (t) => Object.hasOwn(vocab, t));
  const options = byteLevelBpeOptionsFromConfig(settings, special);
  return {
    definition: buildByteLevelBpeDefinition(vocab, merges, options, vocabPath),
    config: { ...byteLevelBpeTokenizerConfig(options), ...config },
    source: 'vocab.json+merges.txt',
    where: vocabPath,
  };
}

/** tokenizer_config.json with special_tokens_map.json over it, as transformers' loader merges them. */
function readSettings(files: TokenizerFileSource): Record<string, unknown> {
  const read = (name: string): Record<string, unknown> =>
    files.has(name) ? readJsonObject(files, name) : {};
  return { ...read('tokenizer_config.json'), ...read('special_tokens_map.json') };
}

function bertOptionsFromNormalizer(definition: TokenizerDefinition) {
  const normalizer = definition.normalizer ?? {};
  const config: Record<string, unknown> = {};
  if (normalizer.type === 'BertNormalizer') {
    config.do_lower_case = normalizer.lowercase;
    config.strip_accents = normalizer.strip_accents;
    config.tokenize_chinese_chars = normalizer.handle_chinese_chars;
  }
  return bertOptionsFromConfig(config);
}

function readJsonObject(files: TokenizerFileSource, name: string): Record<string, unknown> {
  const path = files.pathOf(name);
  let value: unknown;
  try {
    value = JSON.parse(files.text(name));
  } catch (error) {
    throw new UserError(`${path} is not valid JSON (${(error as Error).message}).`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw new UserError(`${path} does not hold a JSON object.`);
  return value as Record<string, unknown>;
}
