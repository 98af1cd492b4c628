/** A number measured over several seeds. */
export interface Stat {
  mean: number;
  /** Sample standard deviation (n − 1 in the denominator); null for a single value, where it is undefined. */
  std: number | null;
  n: number;
  values: number[];
}

export function summarize(values: number[]): Stat {
  if (values.length === 0) throw new Error('summarize needs at least one value.');
  const n = values.length;
  const mean = values.reduce((sum, v) => sum + v, 0) / n;
  if (n === 1) return { mean, std: null, n, values: [...values] };
  const squares = values.reduce((sum, v) => sum + (v - mean) * (v - mean), 0);
  return { mean, std: Math.sqrt(squares / (n - 1)), n, values: [...values] };
}

/** The interval mean ± std (just the mean, twice, when there is no std). */
export function spread(stat: Stat): [number, number] {
  const s = stat.std ?? 0;
  return [stat.mean - s, stat.mean + s];
}
