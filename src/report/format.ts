import type { Stat } from './stats.js';

/** "0.716 ± 0.004", or "0.716" when there is one seed. */
export function formatStat(stat: Stat, digits = 3): string {
  const mean = stat.mean.toFixed(digits);
  return stat.std === null ? mean : `${mean} ± ${stat.std.toFixed(digits)}`;
}

/** 4387081 → "4,387,081". */
export function formatCount(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

/** A parameter count that may vary across seeds (it should not). */
export function formatCountStat(stat: Stat): string {
  return stat.std === null || stat.std === 0
    ? formatCount(stat.mean)
    : `${formatCount(stat.mean)} ± ${formatCount(stat.std)}`;
}

/** 9353 → "9.35 k", 4387081 → "4.39 M": for chart labels where the exact count would crowd. */
export function formatCompact(value: number): string {
  const units: [number, string][] = [
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'k'],
  ];
  for (const [size, unit] of units) {
    if (Math.abs(value) >= size) return `${trimZeros((value / size).toPrecision(3))} ${unit}`;
  }
  return String(Math.round(value));
}

function trimZeros(text: string): string {
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}

/** 100 → "100%", 12.345 → "12.3%", 0.2127 → "0.21%", 99.99 → "99.99%" (never rounded up to a false 100%). */
export function formatPercent(value: number): string {
  if (value === 100) return '100%';
  if (value >= 99.95) return `${Math.min(value, 99.99).toFixed(2)}%`;
  if (value >= 1) return `${value.toFixed(1)}%`;
  if (value === 0) return '0%';
  return `${trimZeros(value.toPrecision(2))}%`;
}

export type TimeUnit = 's' | 'min' | 'h';

/** The unit that keeps a duration of `seconds` readable: seconds up to 10 minutes, then minutes, then hours. */
export function timeUnit(seconds: number): TimeUnit {
  if (seconds < 600) return 's';
  if (seconds < 2 * 3600) return 'min';
  return 'h';
}

export const SECONDS_PER: Record<TimeUnit, number> = { s: 1, min: 60, h: 3600 };

/** "12.3 ± 0.4 s", "4.2 min", "2.05 h": mean and spread in one unit chosen from the mean. */
export function formatDuration(stat: Stat, unit: TimeUnit = timeUnit(stat.mean)): string {
  const scale = SECONDS_PER[unit];
  const mean = stat.mean / scale;
  const std = stat.std === null ? null : stat.std / scale;
  let digits = mean >= 100 ? 0 : 1;
  // A spread that rounds to zero says nothing; show one more digit (at most two) so it does not.
  while (std !== null && std > 0 && digits < 2 && Number(std.toFixed(digits)) === 0) digits++;
  const text = mean.toFixed(digits);
  return std === null ? `${text} ${unit}` : `${text} ± ${std.toFixed(digits)} ${unit}`;
}

/**
 * One column of durations in one unit: seconds when every value is under a minute, else minutes, each
 * with one decimal (a column that says "13.4 min" above "487 s" makes the reader convert).
 */
export function formatDurationColumn(stats: readonly Stat[]): string[] {
  const unit: TimeUnit = stats.every((s) => s.mean < 60) ? 's' : 'min';
  const scale = SECONDS_PER[unit];
  // A spread that rounds to zero says nothing: the whole column gets a second decimal then.
  const hidden = stats.some((s) => s.std !== null && s.std > 0 && Number((s.std / scale).toFixed(1)) === 0);
  const digits = hidden ? 2 : 1;
  return stats.map((stat) => {
    const mean = (stat.mean / scale).toFixed(digits);
    return stat.std === null ? `${mean} ${unit}` : `${mean} ± ${(stat.std / scale).toFixed(digits)} ${unit}`;
  });
}

/** "1 epoch", "3 epochs", "1,200 rows": a count with its noun, singular for exactly one. */
export function countOf(count: number, singular: string, plural = `${singular}s`): string {
  return `${formatCount(count)} ${count === 1 ? singular : plural}`;
}

/** Examples per second: whole numbers from 100 up, one decimal below. */
export function formatRate(stat: Stat): string {
  const digits = stat.mean >= 100 ? 0 : 1;
  const mean = stat.mean.toFixed(digits);
  return stat.std === null ? mean : `${mean} ± ${stat.std.toFixed(digits)}`;
}

/** A signed difference: "+0.012", "−0.034" (a real minus sign). */
export function formatSigned(value: number, digits = 3): string {
  const text = Math.abs(value).toFixed(digits);
  if (Number(text) === 0) return `±${text}`;
  return value > 0 ? `+${text}` : `\u2212${text}`;
}
