/**
 * How many content tokens of each text a pair keeps under HF's default strategy, `longest_first`, as
 * the tokenizers library (which every fast tokenizer runs) computes it for a content budget of
 * `budget` tokens (max_length less the special tokens). When both texts must be cut they share the
 * budget evenly, and an odd token goes to the longer text (to the second one on a tie) — which is
 * not quite what dropping one token at a time from the longer text would give, so it is written out.
 *
 * "Longer" is by the lengths the library sees, not the texts' whole lengths: it stops tokenizing a
 * text once its pre-tokens hold max_length tokens (`lengthSeenWhenCut`), so two long texts often
 * look equally long to it. Checked on every pair length up to 13 and budget up to 16, and on seeded
 * pairs of multi-token words, against transformers 5.17 (tests/fixtures/pair-truncation).
 */
export function longestFirstLengths(first: number, second: number, budget: number): [number, number] {
  if (budget === 0) return [0, 0];
  if (first + second <= budget) return [first, second];
  const swap = first > second;
  const shorter = swap ? second : first;
  let keepShorter = shorter;
  let keepLonger = shorter > budget ? shorter : Math.max(shorter, budget - shorter);
  if (keepShorter + keepLonger > budget) {
    keepShorter = Math.floor(budget / 2);
    keepLonger = keepShorter + (budget % 2);
  }
  return swap ? [keepLonger, keepShorter] : [keepShorter, keepLonger];
}

/**
 * Whether `longestFirstLengths` can be given lengths capped at `budget + 1` (what tokenizing a
 * prefix yields): it can unless both texts exceed an odd budget, when the lengths the library sees
 * decide which text keeps the odd token.
 */
export function cappedLengthsSuffice(first: number, second: number, budget: number): boolean {
  return !(first > budget && second > budget && budget % 2 === 1);
}
