import { UserError } from '../errors.js';
import type { RandomSource } from './random-source.js';

export interface SplitOptions {
  /** Fraction of all rows for the test split, in (0, 1). */
  testSize: number;
  /** Fraction of all rows for the validation split, in [0, 1); 0 for none. */
  valSize?: number;
  rng: RandomSource;
}

export interface SplitIndices {
  train: number[];
  val: number[];
  test: number[];
}

// 0.1 * 30 is 3.0000000000000004 in floating point; a row count should not round up for that.
const EPSILON = 1e-9;

/**
 * A stratified split: the test split gets ceil(testSize·N) rows and the validation split
 * ceil(valSize·N) (sklearn's rounding), shared out among the classes in proportion to their sizes
 * (largest remainders, ties to the larger class, then the lower id). Within each class the rows are
 * shuffled with `rng`, and each split is shuffled again so classes interleave. Same labels, same
 * seed → same split. Both sizes are fractions of all rows: test 0.2, val 0.1 → 70/10/20.
 */
export function stratifiedSplit(labels: readonly number[], options: SplitOptions): SplitIndices {
  const { testSize, valSize = 0, rng } = options;
  if (!(testSize > 0 && testSize < 1))
    throw new UserError(`The test size must be between 0 and 1 (exclusive), got ${testSize}.`);
  if (!(valSize >= 0 && valSize < 1))
    throw new UserError(`The validation size must be at least 0 and below 1, got ${valSize}.`);
  if (testSize + valSize >= 1)
    throw new UserError(
      `The test and validation sizes must add up to less than 1, got ${testSize} + ${valSize}.`,
    );
  const n = labels.length;
  const nTest = Math.ceil(testSize * n - EPSILON);
  const nVal = valSize > 0 ? Math.ceil(valSize * n - EPSILON) : 0;
  if (n - nTest - nVal < 1) {
    throw new UserError(
      `${n} rows are too few for a test split of ${testSize} and a validation split of ${valSize}: no row would be left to train on.`,
    );
  }

  const byClass = new Map<number, number[]>();
  labels.forEach((label, i) => {
    const rows = byClass.get(label);
    if (rows) rows.push(i);
    else byClass.set(label, [i]);
  });
  const classes = [...byClass.keys()].sort((a, b) => a - b);
  const counts = classes.map((c) => (byClass.get(c) as number[]).length);
  const testShare = allocate(counts, nTest, counts);
  const valShare = allocate(
    counts,
    nVal,
    counts.map((count, k) => count - testShare[k]),
  );

  const split: SplitIndices = { train: [], val: [], test: [] };
  // Appended one by one: spreading a class of a large export (a few hundred thousand rows) into push()
  // passes each row as an argument and overflows the stack.
  const append = (to: number[], rows: readonly number[], from: number, end: number): void => {
    for (let i = from; i < end; i++) to.push(rows[i]);
  };
  classes.forEach((c, k) => {
    const rows = rng.shuffle([...(byClass.get(c) as number[])]);
    append(split.test, rows, 0, testShare[k]);
    append(split.val, rows, testShare[k], testShare[k] + valShare[k]);
    append(split.train, rows, testShare[k] + valShare[k], rows.length);
  });
  rng.shuffle(split.train);
  rng.shuffle(split.val);
  rng.shuffle(split.test);
  return split;
}

/** Shares `total` among classes in proportion to `counts`, none above its `capacity`. */
export function allocate(counts: readonly number[], total: number, capacity: readonly number[]): number[] {
  const n = counts.reduce((a, b) => a + b, 0);
  if (total === 0 || n === 0) return counts.map(() => 0);
  const quotas = counts.map((count) => (total * count) / n);
  const share = quotas.map((q, k) => Math.min(Math.floor(q + EPSILON), capacity[k]));
  let left = total - share.reduce((a, b) => a + b, 0);
  const order = counts
    .map((_, k) => k)
    .sort(
      (a, b) =>
        quotas[b] - Math.floor(quotas[b]) - (quotas[a] - Math.floor(quotas[a])) ||
        counts[b] - counts[a] ||
        a - b,
    );
  while (left > 0) {
    let gave = false;
    for (const k of order) {
      if (left === 0) break;
      if (share[k] < capacity[k]) {
        share[k]++;
        left--;
        gave = true;
      }
    }
    if (!gave) break; // every class is full: callers ensure total ≤ sum of capacities
  }
  return share;
}
