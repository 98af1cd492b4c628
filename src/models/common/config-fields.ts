import { UserError } from '../../errors.js';

/** A numeric field of config.json, `fallback` when absent; anything else than a finite number is an error. */
export function readNumber(
  o: Record<string, unknown>,
  key: string,
  fallback: number,
  source: string,
): number {
  const v = o[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new UserError(`${source}: ${key} must be a number, got ${JSON.stringify(v)}.`);
  }
  return v;
}

export function readInt(o: Record<string, unknown>, key: string, fallback: number, source: string): number {
  const v = readNumber(o, key, fallback, source);
  if (!Number.isInteger(v)) throw new UserError(`${source}: ${key} must be a whole number, got ${v}.`);
  return v;
}

/** A number or null (HF's "not set", e.g. classifier_dropout); absent reads as null. */
export function readOptionalNumber(o: Record<string, unknown>, key: string, source: string): number | null {
  return o[key] === undefined || o[key] === null ? null : readNumber(o, key, 0, source);
}

/** A boolean field, `fallback` when absent. */
export function readBoolean(
  o: Record<string, unknown>,
  key: string,
  fallback: boolean,
  source: string,
): boolean {
  const v = o[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'boolean')
    throw new UserError(`${source}: ${key} must be true or false, got ${JSON.stringify(v)}.`);
  return v;
}

/** A string field restricted to `allowed`, `fallback` when absent. */
export function readChoice<T extends string>(
  o: Record<string, unknown>,
  key: string,
  allowed: readonly T[],
  fallback: T,
  source: string,
): T {
  const v = o[key] ?? fallback;
  if (typeof v !== 'string' || !allowed.includes(v as T)) {
    throw new UserError(
      `${source}: ${key} ${JSON.stringify(v)} is not supported; LoRA Lab reads ${allowed.map((a) => `"${a}"`).join(', ')}.`,
    );
  }
  return v as T;
}

/** Fails on positive-integer fields that are not. */
export function requirePositiveInts(fields: [string, number][], source: string): void {
  for (const [key, v] of fields) {
    if (!Number.isInteger(v) || v < 1)
      throw new UserError(`${source}: ${key} must be a positive whole number, got ${v}.`);
  }
}

/** Fails on probabilities outside [0, 1); null means "not set". */
export function requireProbabilities(fields: [string, number | null][], source: string): void {
  for (const [key, p] of fields) {
    if (p !== null && !(p >= 0 && p < 1))
      throw new UserError(`${source}: ${key} must be in [0, 1), got ${p}.`);
  }
}
