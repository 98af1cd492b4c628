import { InvalidArgumentError } from 'commander';
import { UserError } from '../errors.js';

/** Flag parsers for commander: a bad value becomes one sentence naming the allowed range. */

export function intInRange(min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^[-+]?\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) {
      throw new InvalidArgumentError(`expected a whole number, got "${value}".`);
    }
    if (n < min || n > max) {
      throw new InvalidArgumentError(
        max === Number.MAX_SAFE_INTEGER
          ? `must be at least ${min}, got ${n}.`
          : `must be between ${min} and ${max}, got ${n}.`,
      );
    }
    return n;
  };
}

/** A number in [min, max], or in (min, max) when `exclusive`. */
export function floatInRange(min: number, max: number, exclusive = false) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n))
      throw new InvalidArgumentError(`expected a number, got "${value}".`);
    const ok = exclusive ? n > min && n < max : n >= min && n <= max;
    if (!ok) {
      const range = exclusive ? `between ${min} and ${max} (exclusive)` : `between ${min} and ${max}`;
      throw new InvalidArgumentError(`must be ${range}, got ${n}.`);
    }
    return n;
  };
}

export function positiveFloat(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) {
    throw new InvalidArgumentError(`expected a positive number, got "${value}".`);
  }
  return n;
}

export function oneOf<T extends string>(choices: readonly T[]) {
  return (value: string): T => {
    if (!(choices as readonly string[]).includes(value)) {
      throw new InvalidArgumentError(`must be one of ${choices.join(', ')}, got "${value}".`);
    }
    return value as T;
  };
}

export function commaList(value: string): string[] {
  const items = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (items.length === 0) throw new InvalidArgumentError('expected a comma-separated list.');
  return items;
}

/**
 * A flag's value through one of the shared parsers, its complaint turned into a UserError that
 * names the flag: "--test-size must be between 0 and 1 (exclusive), got 1.5."
 */
export function parseFlag<T>(flag: string, raw: string, parser: (value: string) => T): T {
  try {
    return parser(raw);
  } catch (error) {
    if (error instanceof InvalidArgumentError) {
      const reason = error.message.replace(/^expected /, 'must be ');
      throw new UserError(`${flag} ${reason}`);
    }
    throw error;
  }
}
