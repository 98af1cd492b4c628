/**
 * How many content tokens of each text a pair keeps under HF's default strategy, `longest_first`, as
 * the tokenizers library (which every fast tokenizer runs) computes it for a content budget of
 * `budget` tokens (max_length less the special tokens). When both texts must be cut they share the
 * budget evenly, and an odd token goes to the shorter text (to the second one on a tie) — which is
 * not what dropping one token at a time from the longer text would give, so it is written out. The odd
 * token's place was measured against transformers 5.17's fast tokenizers on the GPU machine
 * (docs/device-checks/tokenizer-save-verdict.json), not read from the code.
 */
export function longestFirstLengths(first: number, second: number, budget: number): [number, number] {
  if (budget === 0) return [0, 0];
  if (first + second <= budget) return [first, second];
  const swap = first > second;
  const shorter = swap ? second : first;
  const keepShorter = shorter;
  const keepLonger = shorter > budget ? shorter : Math.max(shorter, budget - shorter);
  if (keepShorter + keepLonger > budget) {
    const half = Math.floor(budget / 2);
    const odd = budget % 2;
    return second <= first ? [half, half + odd] : [half + odd, half];
  }
  return swap ? [keepLonger, keepShorter] : [keepShorter, keepLonger];
}

/**
 * Whether `longestFirstLengths` can be given lengths capped at `budget + 1` (what tokenizing a
 * prefix yields): it can unless both texts exceed an odd budget, when the true lengths decide which
 * text keeps the odd token.
 */
export function cappedLengthsSuffice(first: number, second: number, budget: number): boolean {
  return !(first > budget && second > budget && budget % 2 === 1);
}
