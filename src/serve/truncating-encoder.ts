import type { TextTokenizer } from '../text/tokenizer.js';

/** A text as the model gets it. */
export interface EncodedInput {
  ids: number[];
  tokenTypeIds: number[];
  /** Whether the text was cut to the maximum length. */
  truncated: boolean;
}

/**
 * Encodes single texts cut to `maxLen` tokens as the tokenizer cuts them, and tells which were cut,
 * with one encoding per text: a text is encoded to maxLen + 1; one that needs all of them is over the
 * limit, and its maxLen encoding is that one less the content token nearest the cut end (truncation
 * keeps the content's other end, from the side tokenizer_config.json's truncation_side names).
 */
export class TruncatingEncoder {
  /** Special tokens before and after a single text's content ([CLS] and [SEP] for BERT). */
  private readonly leadingSpecials: number;
  private readonly trailingSpecials: number;

  constructor(
    private readonly tokenizer: TextTokenizer,
    readonly maxLen: number,
  ) {
    // Where the content sits in the template: where a one-word text's ids first leave an empty one's.
    const empty = tokenizer.encodeInput('').ids;
    const word = tokenizer.encodeInput('a').ids;
    let start = 0;
    while (start < empty.length && empty[start] === word[start]) start++;
    this.leadingSpecials = start;
    this.trailingSpecials = empty.length - start;
  }

  encode(text: string): EncodedInput {
    const { ids, tokenTypeIds } = this.tokenizer.encodeInput(text, {
      maxLength: this.maxLen + 1,
      truncation: true,
    });
    if (ids.length <= this.maxLen) return { ids, tokenTypeIds, truncated: false };
    const at =
      this.tokenizer.truncationSide === 'left'
        ? this.leadingSpecials
        : ids.length - this.trailingSpecials - 1;
    const drop = <T>(a: T[]): T[] => [...a.slice(0, at), ...a.slice(at + 1)];
    return { ids: drop(ids), tokenTypeIds: drop(tokenTypeIds), truncated: true };
  }
}
