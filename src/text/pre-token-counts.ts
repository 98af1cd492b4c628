import type { Tokenizer } from '@huggingface/tokenizers';

type ModelCall = (pieces: string[]) => string[];

/**
 * How many tokens each pre-token of a text becomes, in order (an added token is a pre-token of one
 * token), or undefined when the pieces cannot be told apart. HF's tokenizers library tokenizes a text
 * that will be cut pre-token by pre-token and stops once it holds `max_length` tokens, so where a cut
 * pair's odd token goes depends on these counts, not only on the texts' whole lengths.
 *
 * The library gives no per-piece view, so its model is wrapped for one call to see the pieces it is
 * handed, and the pieces it is not (added tokens) are found by aligning with the whole encoding.
 */
export function preTokenCounts(tokenizer: Tokenizer, text: string): number[] | undefined {
  const model = tokenizer.model as unknown as ModelCall | null;
  if (model === null) return undefined;
  const pieces: string[][] = [];
  // A proxy, so the encoder still finds the model's vocabulary on it.
  const recording = new Proxy(model, {
    apply: (target, _this, [section]: [string[]]) =>
      section.flatMap((piece) => {
        const tokens = target([piece]);
        pieces.push(tokens);
        return tokens;
      }),
  });
  let tokens: string[];
  (tokenizer as { model: unknown }).model = recording;
  try {
    tokens = tokenizer.encode(text, { add_special_tokens: false }).tokens;
  } finally {
    (tokenizer as { model: unknown }).model = model;
  }
  return alignPieces(tokens, pieces);
}

/** Splits the whole encoding's tokens into the model's pieces and the added tokens between them. */
function alignPieces(tokens: readonly string[], pieces: readonly string[][]): number[] | undefined {
  const counts: number[] = [];
  let at = 0;
  for (const piece of pieces) {
    while (at < tokens.length && !startsWith(tokens, at, piece)) {
      counts.push(1);
      at++;
    }
    if (!startsWith(tokens, at, piece)) return undefined;
    counts.push(piece.length);
    at += piece.length;
  }
  for (; at < tokens.length; at++) counts.push(1);
  return counts;
}

function startsWith(tokens: readonly string[], at: number, piece: readonly string[]): boolean {
  if (at + piece.length > tokens.length) return false;
  return piece.every((token, i) => tokens[at + i] === token);
}

/**
 * The length the tokenizers library gives a text it tokenizes for a cut to `maxLength` (special
 * tokens included): whole pre-tokens from the start (or, cutting from the left, from the end) until
 * they hold at least maxLength tokens; the whole length when they never do.
 */
export function lengthSeenWhenCut(
  counts: readonly number[],
  maxLength: number,
  side: 'left' | 'right' = 'right',
): number {
  let total = 0;
  for (let i = 0; i < counts.length; i++) {
    total += counts[side === 'right' ? i : counts.length - 1 - i];
    if (total >= maxLength) return total;
  }
  return total;
}
