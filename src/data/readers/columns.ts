import { UserError } from '../../errors.js';

/** Which columns hold the text, the optional second text (sentence pairs) and the label. */
export interface ColumnChoice {
  text: string;
  label: string;
  textPair?: string;
}

export interface ColumnFlags {
  textColumn?: string;
  labelColumn?: string;
  textPairColumn?: string;
}

/** Names tried in order when no column is given; matched exactly first, then ignoring case. */
const TEXT_NAMES = ['text', 'sentence'];
const LABEL_NAMES = ['label', 'labels', 'category', 'class'];

function listed(columns: readonly string[]): string {
  return columns.map((c) => `"${c}"`).join(', ');
}

function findNamed(columns: readonly string[], names: readonly string[]): string | undefined {
  for (const name of names) if (columns.includes(name)) return name;
  for (const name of names) {
    const match = columns.find((c) => c.toLowerCase() === name);
    if (match !== undefined) return match;
  }
  return undefined;
}

function requireColumn(columns: readonly string[], name: string, flag: string, path: string): string {
  if (columns.includes(name)) return name;
  throw new UserError(`${path} has no column "${name}" (${flag}); its columns are ${listed(columns)}.`);
}

/** A value that reads as free text: a string that is not a number. */
function isText(value: unknown): boolean {
  return typeof value === 'string' && value.trim() !== '' && !Number.isFinite(Number(value));
}

/**
 * The text, label and pair columns: the flags when given (each must exist), else the conventional names
 * (`label`, `labels`, `category`, `class`; `text`, `sentence`), else for the text the only column other
 * than the label's whose sample values are free text. Anything else is one error that lists the columns.
 */
export function chooseColumns(
  columns: readonly string[],
  sample: readonly Record<string, unknown>[],
  flags: ColumnFlags,
  path: string,
): ColumnChoice {
  const label =
    flags.labelColumn !== undefined
      ? requireColumn(columns, flags.labelColumn, '--label-column', path)
      : findNamed(columns, LABEL_NAMES);
  if (label === undefined) {
    throw new UserError(
      `${path} has no label column named ${LABEL_NAMES.join(', ')}; name it with --label-column (its columns are ${listed(columns)}).`,
    );
  }
  const { text, textPair } = chooseTextColumns(columns, sample, flags, path, [label]);
  if (text === label) throw new UserError(`${path}: the text and the label cannot both be column "${text}".`);
  return textPair === undefined ? { text, label } : { text, label, textPair };
}

/**
 * Names a CFPB export gives its narrative (as published, and in the API's snake_case), so that `predict`
 * reads an export as it comes.
 */
const UNLABELLED_TEXT_NAMES = [
  ...TEXT_NAMES,
  'consumer complaint narrative',
  'consumer_complaint_narrative',
  'complaint_what_happened',
  'narrative',
];

/**
 * The text (and pair) columns of a file that may have no label, such as one to classify: as
 * `chooseColumns` finds them, where `exclude` (the label's column, or when there is none the
 * conventional label names) never counts as the text.
 */
export function chooseTextColumns(
  columns: readonly string[],
  sample: readonly Record<string, unknown>[],
  flags: Omit<ColumnFlags, 'labelColumn'>,
  path: string,
  exclude?: readonly string[],
): { text: string; textPair?: string } {
  const textPair =
    flags.textPairColumn !== undefined
      ? requireColumn(columns, flags.textPairColumn, '--text-pair-column', path)
      : undefined;
  const withPair = (text: string): { text: string; textPair?: string } =>
    textPair === undefined ? { text } : { text, textPair };
  if (flags.textColumn !== undefined) {
    return withPair(requireColumn(columns, flags.textColumn, '--text-column', path));
  }
  const named = findNamed(columns, exclude === undefined ? UNLABELLED_TEXT_NAMES : TEXT_NAMES);
  if (named !== undefined) return withPair(named);
  const excluded = exclude ?? columns.filter((c) => findNamed([c], LABEL_NAMES) !== undefined);
  const candidates = columns.filter(
    (c) => !excluded.includes(c) && c !== textPair && sample.some((row) => isText(row[c])),
  );
  if (candidates.length !== 1) {
    const why = candidates.length === 0 ? 'no column holds text' : `${listed(candidates)} all hold text`;
    throw new UserError(
      `${path} has no column named ${TEXT_NAMES.join(' or ')} and ${why}; name the text with --text-column (its columns are ${listed(columns)}).`,
    );
  }
  return withPair(candidates[0]!);
}
