import { createHash } from 'node:crypto';
import { endianness } from 'node:os';
import type { Example, TokenizedDataset, TokenizedExample, TokenizerLike } from './dataset.js';
import { tokenizeDataset, attachLabels } from './dataset.js';

/**
 * Where cached tokenizations are kept: a name → bytes store (a folder of files written atomically, in
 * practice). `read` answers null for a missing entry; a failing `write` costs the next run a
 * tokenization, never this one its result.
 */
export interface TokenCacheStore {
  read(name: string): Uint8Array | null;
  write(name: string, bytes: Uint8Array): void;
}

export interface CachedTokenizeOptions {
  maxLength: number;
  /**
   * What makes the tokenizer's output what it is, as a string: e.g. a digest of its files
   * (tokenizerFilesDigest). Another tokenizer must give another string.
   */
  tokenizerKey: string;
  store: TokenCacheStore;
  /** The split's name (train, val, test): one cache entry per split, tokenizer and maximum length. */
  name: string;
}

export interface CachedTokenization {
  dataset: TokenizedDataset;
  /** True when the ids came from the cache and nothing was tokenized. */
  hit: boolean;
  /** Why a miss could not be stored (a read-only folder, a full disk): the next run tokenizes again. */
  writeError?: string;
}

// Bumped whenever what this file stores, or how texts become ids, changes: older entries then miss.
const FORMAT = 'lora-lab-token-cache-1';
const MAGIC = Buffer.from('LLTOKC01', 'latin1');
const DIGEST_BYTES = 32;

/**
 * tokenizeDataset, through a cache: the ids of a split whose texts, tokenizer and maximum length are
 * those of the stored entry are read back instead of tokenized again. The key hashes the texts (and
 * second texts of pairs) in order, not the labels: labels always come from `examples`, so a changed
 * label map cannot bring back stale classes. Any entry that does not read back whole (cut short,
 * altered, another format) is a miss and is replaced.
 */
export function tokenizeWithCache(
  tokenizer: TokenizerLike,
  examples: readonly Example[],
  o: CachedTokenizeOptions,
): CachedTokenization {
  const key = cacheKey(examples, o.tokenizerKey, o.maxLength);
  const entry = entryName(o.name, o.tokenizerKey, o.maxLength);
  const stored = readEntry(o.store, entry, key, examples.length);
  if (stored) {
    const tokenized: TokenizedExample[] = new Array(examples.length);
    for (let i = 0; i < examples.length; i++) {
      tokenized[i] = attachLabels(
        stored.typeIds ? { ids: stored.ids[i], typeIds: stored.typeIds[i] } : { ids: stored.ids[i] },
        examples[i],
      );
    }
    const { padId, paddingSide } = tokenizer;
    return { dataset: { examples: tokenized, maxLength: o.maxLength, padId, paddingSide }, hit: true };
  }
  const dataset = tokenizeDataset(tokenizer, examples, { maxLength: o.maxLength });
  // An entry holds token type ids for every example or for none; a split mixing pairs and single
  // texts (no reader makes one) is simply not cached.
  const paired = dataset.examples.filter((e) => e.typeIds !== undefined).length;
  if (paired !== 0 && paired !== dataset.examples.length) return { dataset, hit: false };
  try {
    o.store.write(entry, encodeEntry(key, dataset.examples));
  } catch (error) {
    // A cache that cannot be written only costs the next run time; this one has its ids.
    return { dataset, hit: false, writeError: error instanceof Error ? error.message : String(error) };
  }
  return { dataset, hit: false };
}

/** The entry's file name: one per split, tokenizer and length, so a changed text replaces it. */
function entryName(name: string, tokenizerKey: string, maxLength: number): string {
  const which = createHash('sha256').update(`${tokenizerKey}\n${maxLength}`).digest('hex').slice(0, 16);
  return `${name.replace(/[^A-Za-z0-9_-]/g, '_')}-${which}.tokens`;
}

/** The full key: format, byte order, tokenizer, length and every text (and pair) in order. */
export function cacheKey(examples: readonly Example[], tokenizerKey: string, maxLength: number): string {
  const hash = createHash('sha256');
  hash.update(`${FORMAT}\n${endianness()}\n${tokenizerKey.length}:${tokenizerKey}\n${maxLength}\n`);
  for (const example of examples) {
    // Lengths first, so that no two different lists of texts hash the same characters.
    hash.update(`${example.text.length}:`).update(example.text);
    const pair = example.textPair;
    hash.update(pair === undefined ? '-' : `+${pair.length}:`);
    if (pair !== undefined) hash.update(pair);
  }
  return hash.digest('hex');
}

interface HeaderJson {
  key: string;
  count: number;
  total: number;
  typeIds: boolean;
}

/**
 * An entry: magic, header length (uint32), header JSON padded to a multiple of 4 bytes, then the
 * offsets (uint32, count + 1), all ids (int32), the token type ids when the examples have them, and
 * the SHA-256 of everything before it. Numbers are in the machine's byte order (in the key).
 */
export function encodeEntry(key: string, examples: readonly TokenizedExample[]): Uint8Array {
  const typed = examples.length > 0 && examples.every((e) => e.typeIds !== undefined);
  let total = 0;
  for (const e of examples) total += e.ids.length;
  const header: HeaderJson = { key, count: examples.length, total, typeIds: typed };
  let json = JSON.stringify(header);
  json += ' '.repeat((4 - ((MAGIC.length + 4 + json.length) % 4)) % 4);
  const offsets = new Uint32Array(examples.length + 1);
  const ids = new Int32Array(total);
  const typeIds = typed ? new Int32Array(total) : null;
  let at = 0;
  examples.forEach((e, i) => {
    offsets[i] = at;
    ids.set(e.ids, at);
    if (typeIds && e.typeIds) typeIds.set(e.typeIds, at);
    at += e.ids.length;
  });
  offsets[examples.length] = at;
  const length = Buffer.alloc(4);
  length.writeUInt32LE(json.length);
  const parts = [
    MAGIC,
    length,
    Buffer.from(json, 'latin1'),
    bytesOf(offsets),
    bytesOf(ids),
    ...(typeIds ? [bytesOf(typeIds)] : []),
  ];
  const digest = createHash('sha256');
  for (const part of parts) digest.update(part);
  return Buffer.concat([...parts, digest.digest()]);
}

interface StoredIds {
  ids: Int32Array[];
  typeIds: Int32Array[] | null;
}

function readEntry(store: TokenCacheStore, name: string, key: string, count: number): StoredIds | null {
  let bytes: Uint8Array | null;
  try {
    bytes = store.read(name);
  } catch {
    return null; // an unreadable entry is a missing one
  }
  return bytes ? decodeEntry(bytes, key, count) : null;
}

/** The ids an entry holds, or null unless it is whole, of this format and for this key and count. */
export function decodeEntry(bytes: Uint8Array, key: string, count: number): StoredIds | null {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const body = buffer.length - DIGEST_BYTES;
  if (body < MAGIC.length + 4 || !buffer.subarray(0, MAGIC.length).equals(MAGIC)) return null;
  const digest = createHash('sha256').update(buffer.subarray(0, body)).digest();
  if (!digest.equals(buffer.subarray(body))) return null;
  const jsonLength = buffer.readUInt32LE(MAGIC.length);
  const start = MAGIC.length + 4 + jsonLength;
  if (start > body || start % 4 !== 0) return null;
  let header: HeaderJson;
  try {
    header = JSON.parse(buffer.toString('latin1', MAGIC.length + 4, start)) as HeaderJson;
  } catch {
    return null;
  }
  if (header.key !== key || header.count !== count || !Number.isInteger(header.total)) return null;
  const words = (count + 1 + header.total * (header.typeIds ? 2 : 1)) * 4;
  if (start + words !== body) return null;
  // One copy into aligned memory; each example's ids are then views of it, not arrays of their own.
  const numbers = buffer.buffer.slice(buffer.byteOffset + start, buffer.byteOffset + body);
  const offsets = new Uint32Array(numbers, 0, count + 1);
  const idsAt = (count + 1) * 4;
  const ids = new Int32Array(numbers, idsAt, header.total);
  const typeIds = header.typeIds ? new Int32Array(numbers, idsAt + header.total * 4, header.total) : null;
  const out: StoredIds = { ids: new Array(count), typeIds: typeIds ? new Array(count) : null };
  for (let i = 0; i < count; i++) {
    const from = offsets[i];
    const to = offsets[i + 1];
    if (to < from || to > header.total) return null;
    out.ids[i] = ids.subarray(from, to);
    if (typeIds && out.typeIds) out.typeIds[i] = typeIds.subarray(from, to);
  }
  if (offsets[0] !== 0 || offsets[count] !== header.total) return null;
  return out;
}

function bytesOf(array: Uint32Array | Int32Array): Buffer {
  return Buffer.from(array.buffer, array.byteOffset, array.byteLength);
}
