import { UserError } from '../errors.js';

// Unicode White_Space, the set Rust's `trim_end` removes when the tokenizers crate reads vocab.txt.
const TRAILING_WHITESPACE = /[\t\n\v\f\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/u;

/**
 * The tokens of a vocab.txt, one per line, the line number being the id (as HF reads it: trailing
 * white space trimmed, no final empty line). A byte-order mark at the start is dropped.
 */
export function parseVocab(text: string, source = 'vocab.txt'): string[] {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const lines = body.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const tokens = lines.map((line) => line.replace(TRAILING_WHITESPACE, ''));
  if (tokens.length === 0)
    throw new UserError(`${source} is empty: a WordPiece vocabulary needs one token per line.`);
  return tokens;
}

export function formatVocab(tokens: readonly string[]): string {
  return `${tokens.join('\n')}\n`;
}
