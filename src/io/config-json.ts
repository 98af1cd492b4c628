/**
 * config.json fields that transformers types as floats. transformers 5 validates configs strictly and
 * refuses an int where a float belongs ("initializer_cutoff_factor expected float, got int"), but
 * JavaScript writes 2.0 as 2; these keys, at any depth, are written with a decimal point.
 */
const FLOAT_KEY = /(dropout|_prob|eps|initializer_range|cutoff_factor|rope_theta)$/;

// A marker no real value contains, so that the replacement below touches only what the replacer marked.
const MARK = '\u0000float:';

/** config.json's text: two-space indent, a final newline, and float fields spelt as floats (2.0, not 2). */
export function configJsonText(config: Record<string, unknown>): string {
  const text = JSON.stringify(
    config,
    (key, value: unknown) =>
      FLOAT_KEY.test(key) && typeof value === 'number' && Number.isInteger(value) ? `${MARK}${value}` : value,
    2,
  );
  return `${text.replace(/"\\u0000float:(-?\d+)"/g, '$1.0')}\n`;
}
