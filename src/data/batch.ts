import { padSequences, type PaddedBatch, type Side } from '../text/pad.js';
import type { TokenizedDataset, TokenizedExample } from './dataset.js';
import type { RandomSource } from './random-source.js';

/**
 * What the training loop consumes: B examples padded to the longest of them, as flat [B, T] arrays
 * (`size` is B, `length` is T); src/train/batch-tensors.ts wraps them as the model's tensors. The
 * last batch of an epoch may be smaller than batchSize.
 */
export interface Batch extends PaddedBatch {
  /** [B] class ids (−100 for multi-label examples). */
  labels: Int32Array;
  /** [B, C] flat 0/1 targets, when the examples are multi-label (C classes). */
  targets?: Float32Array;
}

export interface BatchOptions {
  batchSize: number;
  /** Shuffle the order with `rng` (required then); each call draws a new order. */
  shuffle?: boolean;
  rng?: RandomSource;
  /** Drop a final batch smaller than batchSize. Default false. */
  dropLast?: boolean;
  /** Pad id; default the dataset's, else 0 ([PAD] in BERT vocabularies). */
  padId?: number;
  /** Cap on T; sequences are cut keeping [CLS] … [SEP]. Default the dataset's maxLength, else none. */
  maxLength?: number;
}

export function countBatches(examples: number, batchSize: number, dropLast = false): number {
  return dropLast ? Math.floor(examples / batchSize) : Math.ceil(examples / batchSize);
}

/**
 * Batches of tokenized examples, each padded to its own longest sequence (capped at maxLength), so
 * short texts cost short batches. Deterministic for a given rng state.
 */
export function* makeBatches(
  data: TokenizedDataset | readonly TokenizedExample[],
  options: BatchOptions,
): Generator<Batch> {
  const examples = Array.isArray(data)
    ? (data as readonly TokenizedExample[])
    : (data as TokenizedDataset).examples;
  const dataset = Array.isArray(data) ? undefined : (data as TokenizedDataset);
  const { batchSize, shuffle = false, rng, dropLast = false } = options;
  const padId = options.padId ?? dataset?.padId ?? 0;
  const side = dataset?.paddingSide ?? 'right';
  const maxLength = options.maxLength ?? dataset?.maxLength;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new RangeError(`batchSize must be a positive integer, got ${batchSize}.`);
  if (maxLength !== undefined && maxLength < 2)
    throw new RangeError(`maxLength must be at least 2, got ${maxLength}.`);
  if (shuffle && !rng) throw new Error('makeBatches needs an rng to shuffle.');

  const order = Array.from({ length: examples.length }, (_, i) => i);
  if (shuffle) (rng as RandomSource).shuffle(order);
  const batches = countBatches(examples.length, batchSize, dropLast);
  for (let b = 0; b < batches; b++) {
    const members = order.slice(b * batchSize, (b + 1) * batchSize).map((i) => examples[i]);
    const batch: Batch = {
      ...padExamples(members, padId, maxLength, side),
      labels: Int32Array.from(members, (e) => e.label),
    };
    const targets = stackTargets(members);
    if (targets !== undefined) batch.targets = targets;
    yield batch;
  }
}

/**
 * Multi-label examples' targets one after the other ([B, C] flat); undefined for single-label ones.
 * A batch mixing the two, or targets of different lengths, is a bug upstream and throws.
 */
export function stackTargets(
  members: readonly Pick<TokenizedExample, 'targets'>[],
): Float32Array | undefined {
  const first = members[0]?.targets;
  if (first === undefined) {
    if (members.some((e) => e.targets !== undefined))
      throw new Error('A batch mixes single- and multi-label examples.');
    return undefined;
  }
  const classes = first.length;
  const out = new Float32Array(members.length * classes);
  members.forEach((e, i) => {
    if (e.targets === undefined || e.targets.length !== classes) {
      throw new Error('A multi-label batch needs targets of one length for every example.');
    }
    out.set(e.targets, i * classes);
  });
  return out;
}

/**
 * Token ids (and a pair's token type ids) padded to the longest of them, capped at maxLength: the
 * model's inputs for a batch, labelled or not.
 */
export function padExamples(
  members: readonly Pick<TokenizedExample, 'ids' | 'typeIds'>[],
  padId: number,
  maxLength?: number,
  side: Side = 'right',
): PaddedBatch {
  const sequences = members.map((example) => capSequence(example.ids, maxLength));
  const longest = sequences.reduce((m, s) => Math.max(m, s.length), 0);
  // Only pairs carry token types; a batch of single texts stays all type 0, as it always was.
  const types = members.some((example) => example.typeIds !== undefined)
    ? members.map((example, i) =>
        example.typeIds === undefined
          ? new Int32Array(sequences[i]!.length)
          : capSequence(example.typeIds, maxLength),
      )
    : undefined;
  return padSequences(sequences, longest, padId, types, side);
}

/** Cuts a [CLS] … [SEP] sequence to maxLength, keeping its last id ([SEP], or its segment) at the end. */
function capSequence(ids: Int32Array, maxLength: number | undefined): Int32Array {
  if (maxLength === undefined || ids.length <= maxLength) return ids;
  const out = ids.slice(0, maxLength);
  out[maxLength - 1] = ids[ids.length - 1];
  return out;
}
