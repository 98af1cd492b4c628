import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { UserError } from '../errors.js';
import { cleanText } from '../text/clean.js';

/**
 * What a model was trained on, kept small: one 8-byte hash per distinct training text (the first 8
 * bytes of SHA-256 of the text as cleaned and lower-cased, so that a raw export's narrative and its
 * cleaned training row match), sorted and stored as one base64 string: 6,000 rows take about 64 KB.
 * `evaluate` reads it to tell rows the model has seen from rows it has not.
 */
export const TRAIN_HASHES_FILE = 'train_hashes.json';

const FORMAT = 'sha256-64';
const HASH_BYTES = 8;

interface TrainHashesJson {
  format: typeof FORMAT;
  about: string;
  count: number;
  hashes: string;
}

/** The hash of one text as `evaluate` compares it: 16 hex digits. */
export function textHash(text: string): string {
  return createHash('sha256')
    .update(cleanText(text).toLowerCase(), 'utf8')
    .digest()
    .subarray(0, HASH_BYTES)
    .toString('hex');
}

/** The file's content for these training texts (duplicates counted once). */
export function trainHashesJson(texts: Iterable<string>): TrainHashesJson {
  const unique = [...new Set([...texts].map(textHash))].sort();
  return {
    format: FORMAT,
    about:
      'First 8 bytes of SHA-256 of each distinct training text (cleaned, lower-cased), sorted, concatenated, base64.',
    count: unique.length,
    hashes: Buffer.from(unique.join(''), 'hex').toString('base64'),
  };
}

/** The hashes in a train_hashes.json, or null when there is no such file. */
export function readTrainHashes(path: string): Set<string> | null {
  if (!existsSync(path)) return null;
  let parsed: Partial<TrainHashesJson>;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<TrainHashesJson>;
  } catch {
    throw new UserError(`${path} is not valid JSON.`);
  }
  if (parsed.format !== FORMAT || typeof parsed.hashes !== 'string') {
    throw new UserError(`${path} is not a record of training texts (format ${FORMAT}).`);
  }
  const bytes = Buffer.from(parsed.hashes, 'base64');
  if (bytes.length % HASH_BYTES !== 0) throw new UserError(`${path} holds a truncated list of hashes.`);
  const hashes = new Set<string>();
  for (let at = 0; at < bytes.length; at += HASH_BYTES) {
    hashes.add(bytes.subarray(at, at + HASH_BYTES).toString('hex'));
  }
  return hashes;
}
