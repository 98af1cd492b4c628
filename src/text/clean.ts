/**
 * The study's text cleaning: every character that is not a letter, a digit or white space is removed,
 * then runs of white space become one space and the ends are trimmed ("XX/XX/2019" → "XXXX2019",
 * "inc. \nis" → "inc is"). This reproduces the cleaned narratives of the shared fixtures.
 *
 * "Letter" and "digit" are Unicode's (general categories L and N), which is what Python's `\w` means
 * minus the underscore; on the CFPB file ASCII-only and Unicode classes give the same counts, but a
 * Spanish narrative keeps "préstamo" whole instead of becoming "prstamo". White space is Python's
 * `str.isspace` set, so word counts agree with `len(text.split())`.
 */
const SPACE_CLASS =
  '\\t\\n\\v\\f\\r \\x1c-\\x1f\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const NOT_LETTER_DIGIT_OR_SPACE = new RegExp(`[^\\p{L}\\p{N}${SPACE_CLASS}]+`, 'gu');
const SPACE_RUN = new RegExp(`[${SPACE_CLASS}]+`, 'gu');

export function cleanText(text: string): string {
  return text.replace(NOT_LETTER_DIGIT_OR_SPACE, '').replace(SPACE_RUN, ' ').trim();
}

/** Words as Python's `len(text.split())` counts them. */
export function countWords(text: string): number {
  let count = 0;
  for (const part of text.split(SPACE_RUN)) if (part !== '') count++;
  return count;
}
