import type { TokenizerDefinition } from './definition.js';

// A first guess of the characters that hold `limit` tokens; ordinary prose needs about 5 per token.
const CHARS_PER_TOKEN_GUESS = 16;
const CHARS_MARGIN = 256;

type Json = Record<string, unknown>;

/**
 * The first `limit` content ids of a text. When `prefixesAreExact`, a huge text (a 5 MB narrative)
 * is tokenized by prefixes that end where a word meets white space: no normalizer rule, pre-token
 * or added token of such a tokenizer spans that point, so the prefix's tokens are exactly the first
 * tokens of the whole text, and once a prefix yields `limit` tokens the answer is exact. The prefix
 * grows until it does or is the text.
 */
export function firstContentIds(
  contentIds: (text: string) => number[],
  text: string,
  limit: number,
  prefixesAreExact: boolean,
): number[] {
  if (prefixesAreExact) {
    let budget = limit * CHARS_PER_TOKEN_GUESS + CHARS_MARGIN;
    while (budget < text.length) {
      const end = lastWordEndAtOrBefore(text, budget);
      if (end > 0) {
        const ids = contentIds(text.slice(0, end));
        if (ids.length >= limit) return ids.slice(0, limit);
      }
      budget *= 4;
    }
  }
  return contentIds(text).slice(0, limit);
}

/**
 * Whether cutting a text where a word meets white space leaves the tokens before the cut unchanged:
 * true when the pre-tokenizer splits at white space, every normalizer works within a word, and no
 * added token holds white space. Otherwise texts are tokenized whole (exact, only slower).
 */
export function prefixesAreExact(definition: TokenizerDefinition): boolean {
  const addedTokensStayInWords = (definition.added_tokens ?? []).every((token) => !/\s/u.test(token.content));
  return (
    addedTokensStayInWords &&
    splitsAtWhiteSpace(definition.pre_tokenizer) &&
    withinWords(definition.normalizer)
  );
}

function splitsAtWhiteSpace(pre: Json | null | undefined): boolean {
  if (!pre) return false;
  switch (pre.type) {
    case 'BertPreTokenizer':
    case 'Whitespace':
    case 'WhitespaceSplit':
      return true;
    case 'ByteLevel':
      // Its regex never lets a piece run from a word into the white space after it.
      return pre.use_regex !== false;
    case 'Metaspace':
      return pre.split !== false;
    case 'Sequence':
      return Array.isArray(pre.pretokenizers) && (pre.pretokenizers as Json[]).some(splitsAtWhiteSpace);
    default:
      return false;
  }
}

const WORD_LOCAL_NORMALIZERS = new Set([
  'BertNormalizer',
  'Precompiled',
  'NFC',
  'NFD',
  'NFKC',
  'NFKD',
  'Lowercase',
  'StripAccents',
  'Strip',
  'Prepend',
]);

function withinWords(normalizer: Json | null | undefined): boolean {
  if (!normalizer) return true;
  if (normalizer.type === 'Sequence') {
    return Array.isArray(normalizer.normalizers) && (normalizer.normalizers as Json[]).every(withinWords);
  }
  if (normalizer.type === 'Replace') return replaceStaysOnOneSide(normalizer.pattern);
  return typeof normalizer.type === 'string' && WORD_LOCAL_NORMALIZERS.has(normalizer.type);
}

/**
 * A Replace whose matches hold no white space, or only white space (SentencePiece's " {2,}"), never
 * spans the end of a word and the white space after it.
 */
function replaceStaysOnOneSide(pattern: unknown): boolean {
  const p = (pattern ?? {}) as { String?: unknown; Regex?: unknown };
  if (typeof p.String === 'string') return !/\s/u.test(p.String) || /^\s+$/u.test(p.String);
  // A regex of white-space atoms with quantifiers only, such as " {2,}" or "\s+".
  if (typeof p.Regex === 'string') return /^(?:(?:\\s|[ \t])(?:\{\d+(?:,\d*)?\}|[+*?])?)+$/u.test(p.Regex);
  return false;
}

/**
 * The index of the last ASCII white space at or before `index` that follows a non-space, or -1: a
 * cut inside a run of spaces would change how the run is split (byte-level BPE merges spaces).
 */
export function lastWordEndAtOrBefore(text: string, index: number): number {
  for (let i = Math.min(index, text.length - 1); i > 0; i--) {
    const c = text.charCodeAt(i);
    if ((c === 32 || c === 10 || c === 13 || c === 9) && !/\s/u.test(text[i - 1])) return i;
  }
  return -1;
}
