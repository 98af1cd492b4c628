import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { tokenizeDataset, type Example, type TokenizedDataset, type TokenizerLike } from '../data/dataset.js';
import { tokenizeWithCache } from '../data/token-cache.js';
import { folderStore } from '../io/folder-store.js';

/** The cache's folder inside a data folder; hidden, so that walks over run folders pass it by. */
export const TOKEN_CACHE_DIR = '.token-cache';

/**
 * Where the token ids of a training file's splits are kept: `.token-cache/<file name>/` beside the
 * file, as a data folder keeps its own. Hits are decided by the entries' keys (the texts, the
 * tokenizer, the length); the subfolder only keeps the entries of one file from replacing another's.
 */
export function trainFileCacheDir(trainFile: string): string {
  const name = basename(trainFile).replace(/[^A-Za-z0-9._-]/g, '_');
  return join(dirname(resolve(trainFile)), TOKEN_CACHE_DIR, name);
}

/**
 * The files a tokenizer can be made from in a model folder (Hugging Face's names), and config.json,
 * whose model type picks the vocabulary files' reading when there is no tokenizer.json.
 */
const TOKENIZER_FILES = [
  'config.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'added_tokens.json',
  'vocab.txt',
  'vocab.json',
  'merges.txt',
  'spiece.model',
  'sentencepiece.bpe.model',
] as const;

export interface TokenizeSplitsOptions {
  maxLength: number;
  /** The model folder the tokenizer was loaded from: its tokenizer files key the cache. */
  tokenizerDir: string;
  /** Where tokenized splits are kept between runs; undefined: tokenize without a cache. */
  cacheDir: string | undefined;
  log?: (line: string) => void;
}

export interface TokenizedSplits {
  train: TokenizedDataset;
  /** Null when there is no validation split. */
  val: TokenizedDataset | null;
  test: TokenizedDataset;
  /** The splits whose ids were read from the cache rather than tokenized. */
  fromCache: string[];
}

/**
 * The splits' token ids, from the cache when the same texts were tokenized before with the same
 * tokenizer files and maximum length (a second run of a study tokenizes nothing), else tokenized and
 * cached. The ids are those tokenizeDataset gives either way.
 */
export function tokenizeSplits(
  tokenizer: TokenizerLike,
  data: { train: readonly Example[]; val: readonly Example[]; test: readonly Example[] },
  o: TokenizeSplitsOptions,
): TokenizedSplits {
  const { maxLength, cacheDir } = o;
  if (cacheDir === undefined) return tokenizeUncached(tokenizer, data, maxLength);
  const tokenizerKey = tokenizerFilesDigest(o.tokenizerDir);
  if (tokenizerKey === null) return tokenizeUncached(tokenizer, data, maxLength);
  const store = folderStore(cacheDir);
  const hits: string[] = [];
  let writeError: string | undefined;
  const one = (name: string, examples: readonly Example[]): TokenizedDataset => {
    const done = tokenizeWithCache(tokenizer, examples, { maxLength, tokenizerKey, store, name });
    if (done.hit) hits.push(name);
    writeError ??= done.writeError;
    return done.dataset;
  };
  const splits: TokenizedSplits = {
    train: one('train', data.train),
    val: data.val.length > 0 ? one('val', data.val) : null,
    test: one('test', data.test),
    fromCache: hits,
  };
  const count = data.val.length > 0 ? 3 : 2;
  const fromCache = hits.length > 0 ? ` (${hits.join(', ')} from the cache)` : '';
  o.log?.(
    hits.length === count
      ? `token ids read from the cache in ${cacheDir}`
      : writeError !== undefined
        ? `tokenized${fromCache}; the token cache in ${cacheDir} could not be written (${writeError})`
        : `tokenized${fromCache}; token ids cached in ${cacheDir}`,
  );
  return splits;
}

function tokenizeUncached(
  tokenizer: TokenizerLike,
  data: { train: readonly Example[]; val: readonly Example[]; test: readonly Example[] },
  maxLength: number,
): TokenizedSplits {
  return {
    train: tokenizeDataset(tokenizer, data.train, { maxLength }),
    val: data.val.length > 0 ? tokenizeDataset(tokenizer, data.val, { maxLength }) : null,
    test: tokenizeDataset(tokenizer, data.test, { maxLength }),
    fromCache: [],
  };
}

/**
 * A digest of a model folder's tokenizer files (names and bytes) and of the tokenizer library's
 * version: what decides how a text becomes ids. Null when the folder has none of those files: then
 * nothing tells one tokenizer from another, and nothing is cached.
 */
export function tokenizerFilesDigest(dir: string): string | null {
  const hash = createHash('sha256');
  hash.update(`@huggingface/tokenizers ${tokenizerLibraryVersion()}\n`);
  let found = 0;
  for (const name of TOKENIZER_FILES) {
    const path = join(dir, name);
    if (!existsSync(path)) continue;
    const bytes = readFileSync(path);
    hash.update(`${name} ${bytes.length}\n`).update(bytes);
    found++;
  }
  return found > 0 ? hash.digest('hex') : null;
}

let libraryVersion: string | undefined;

function tokenizerLibraryVersion(): string {
  if (libraryVersion === undefined) {
    try {
      // The package exports no package.json; its entry point lies in dist/, one folder below it.
      const entry = createRequire(import.meta.url).resolve('@huggingface/tokenizers');
      const manifest = JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8')) as {
        version?: string;
      };
      libraryVersion = manifest.version ?? 'unknown';
    } catch {
      libraryVersion = 'unknown';
    }
  }
  return libraryVersion;
}
