/**
 * Tokenizer definitions in the `tokenizer.json` format of HF tokenizers (the "fast" tokenizers'
 * file), as LoRA Lab reads, builds and writes them. The tokenizing itself is @huggingface/tokenizers'.
 */

/** The subset of tokenizer.json that LoRA Lab reads or writes; other fields are kept as they are. */
export interface TokenizerDefinition {
  version: string;
  truncation: unknown;
  padding: unknown;
  added_tokens: AddedTokenDefinition[];
  normalizer: Record<string, unknown> | null;
  pre_tokenizer: Record<string, unknown> | null;
  post_processor: Record<string, unknown> | null;
  decoder: Record<string, unknown> | null;
  model: ModelDefinition;
}

/** WordPiece and BPE map token → id; Unigram lists [piece, score] in id order. */
export interface ModelDefinition {
  type: string;
  vocab: Record<string, number> | [string, number][];
  [field: string]: unknown;
}

export interface AddedTokenDefinition {
  id: number;
  content: string;
  single_word: boolean;
  lstrip: boolean;
  rstrip: boolean;
  normalized: boolean;
  special: boolean;
}

/** A special token as HF adds it when it builds a tokenizer from vocabulary files. */
export function specialAddedToken(content: string, id: number): AddedTokenDefinition {
  return { id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true };
}

/**
 * Every token of a definition by id (added tokens included), with `undefined` where no token has an
 * id. For a vocab.txt, `tokensById` keeps a duplicate line's id, which the token → id map loses.
 */
export function tokensById(
  definition: TokenizerDefinition,
  fromFile?: readonly string[],
): (string | undefined)[] {
  const tokens: (string | undefined)[] = fromFile ? [...fromFile] : [];
  const { vocab } = definition.model;
  const entries: [string, number][] = Array.isArray(vocab)
    ? vocab.map(([piece], id) => [piece, id])
    : Object.entries(vocab);
  for (const added of definition.added_tokens ?? []) entries.push([added.content, added.id]);
  for (const [token, id] of entries) if (tokens[id] === undefined) tokens[id] = token;
  return tokens;
}
