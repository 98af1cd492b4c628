import { UserError } from '../errors.js';

/**
 * Where a checkpoint's special tokens go around one text or a pair, read from tokenizer.json's
 * post_processor the way HF tokenizers applies it: TemplateProcessing as written, BertProcessing as
 * `[CLS] A [SEP] B [SEP]` (B's part of type 1), RobertaProcessing as `<s> A </s></s> B </s>` (all of
 * type 0). Without one, the texts are joined bare, the pair's tokens being of type 1.
 */
export type TemplatePiece =
  | {
      readonly kind: 'special';
      readonly tokens: readonly string[];
      readonly ids: readonly number[];
      readonly typeId: number;
    }
  | { readonly kind: 'sequence'; readonly sequence: 'A' | 'B'; readonly typeId: number };

export interface SpecialTemplate {
  readonly single: readonly TemplatePiece[];
  readonly pair: readonly TemplatePiece[];
}

/** Ids and token type ids of one encoded input, special tokens included. */
export interface EncodedText {
  ids: number[];
  tokenTypeIds: number[];
}

const BARE: SpecialTemplate = {
  single: [sequence('A', 0)],
  pair: [sequence('A', 0), sequence('B', 1)],
};

type Json = Record<string, unknown>;

/** The template of a post_processor (null: none); `where` names the file in errors. */
export function templateOf(postProcessor: Json | null | undefined, where: string): SpecialTemplate {
  if (!postProcessor) return BARE;
  switch (postProcessor.type) {
    case 'TemplateProcessing':
      return fromTemplateProcessing(postProcessor, where);
    case 'BertProcessing': {
      const [cls, sep] = [namedId(postProcessor.cls, 'cls', where), namedId(postProcessor.sep, 'sep', where)];
      return {
        single: [special(cls, 0), sequence('A', 0), special(sep, 0)],
        pair: [special(cls, 0), sequence('A', 0), special(sep, 0), sequence('B', 1), special(sep, 1)],
      };
    }
    case 'RobertaProcessing': {
      const [cls, sep] = [namedId(postProcessor.cls, 'cls', where), namedId(postProcessor.sep, 'sep', where)];
      return {
        single: [special(cls, 0), sequence('A', 0), special(sep, 0)],
        pair: [
          special(cls, 0),
          sequence('A', 0),
          special(sep, 0),
          special(sep, 0),
          sequence('B', 0),
          special(sep, 0),
        ],
      };
    }
    case 'ByteLevel':
      // It only moves offsets, which LoRA Lab does not use.
      return BARE;
    case 'Sequence':
      return fromSequence(postProcessor, where);
    default:
      throw new UserError(
        `${where} has a post_processor of type ${String(postProcessor.type)}, which LoRA Lab cannot apply (it knows TemplateProcessing, BertProcessing, RobertaProcessing, ByteLevel and Sequence).`,
      );
  }
}

/** How many special tokens a template adds: HF's `num_special_tokens_to_add`. */
export function specialCount(pieces: readonly TemplatePiece[]): number {
  return pieces.reduce((n, piece) => n + (piece.kind === 'special' ? piece.ids.length : 0), 0);
}

/** The template filled with the content ids of A (and B for a pair template). */
export function applyTemplate(
  pieces: readonly TemplatePiece[],
  a: readonly number[],
  b: readonly number[] = [],
): EncodedText {
  const ids: number[] = [];
  const tokenTypeIds: number[] = [];
  for (const piece of pieces) {
    const part = piece.kind === 'special' ? piece.ids : piece.sequence === 'A' ? a : b;
    for (const id of part) {
      ids.push(id);
      tokenTypeIds.push(piece.typeId);
    }
  }
  return { ids, tokenTypeIds };
}

/** The special tokens that open and close a single text (BERT's [CLS] and [SEP]), where there are. */
export function enclosingTokens(template: SpecialTemplate): { first?: string; last?: string } {
  const { single } = template;
  const head = single[0];
  const tail = single[single.length - 1];
  return {
    first: head?.kind === 'special' ? head.tokens[0] : undefined,
    last: tail?.kind === 'special' && single.length > 1 ? tail.tokens[tail.tokens.length - 1] : undefined,
  };
}

function sequence(which: 'A' | 'B', typeId: number): TemplatePiece {
  return { kind: 'sequence', sequence: which, typeId };
}

function special(token: [string, number], typeId: number): TemplatePiece {
  return { kind: 'special', tokens: [token[0]], ids: [token[1]], typeId };
}

/** A `["[CLS]", 101]` pair of BertProcessing and RobertaProcessing. */
function namedId(value: unknown, field: string, where: string): [string, number] {
  if (Array.isArray(value) && typeof value[0] === 'string' && Number.isInteger(value[1]))
    return [value[0], value[1] as number];
  throw new UserError(`${where}: the post_processor's ${field} must be a [token, id] pair.`);
}

function fromTemplateProcessing(json: Json, where: string): SpecialTemplate {
  const specials = (json.special_tokens ?? {}) as Record<string, { ids?: unknown; tokens?: unknown }>;
  const pieces = (list: unknown, name: string): TemplatePiece[] => {
    if (!Array.isArray(list))
      throw new UserError(`${where}: the post_processor's ${name} template must be a list.`);
    return list.map((item: Json) => {
      const token = item?.SpecialToken as { id?: unknown; type_id?: unknown } | undefined;
      const seq = item?.Sequence as { id?: unknown; type_id?: unknown } | undefined;
      if (token && typeof token.id === 'string') {
        const entry = Object.hasOwn(specials, token.id) ? specials[token.id] : undefined;
        const ids = entry?.ids;
        if (!Array.isArray(ids) || !ids.every((id) => Number.isInteger(id))) {
          throw new UserError(
            `${where}: the post_processor's template uses ${token.id}, which its special_tokens do not define.`,
          );
        }
        const tokens = Array.isArray(entry?.tokens) ? (entry.tokens as string[]) : [token.id];
        return { kind: 'special', tokens, ids: ids as number[], typeId: typeIdOf(token.type_id) };
      }
      if (seq && (seq.id === 'A' || seq.id === 'B')) return sequence(seq.id, typeIdOf(seq.type_id));
      throw new UserError(
        `${where}: the post_processor's ${name} template has an item that is neither a SpecialToken nor a Sequence A or B.`,
      );
    });
  };
  return { single: pieces(json.single, 'single'), pair: pieces(json.pair, 'pair') };
}

function typeIdOf(value: unknown): number {
  return Number.isInteger(value) ? (value as number) : 0;
}

/** A Sequence applies its processors in turn; at most one of them adds special tokens. */
function fromSequence(json: Json, where: string): SpecialTemplate {
  const processors = Array.isArray(json.processors) ? (json.processors as Json[]) : [];
  const adding = processors.map((p) => templateOf(p, where)).filter((t) => t !== BARE);
  if (adding.length > 1) {
    throw new UserError(
      `${where}: the post_processor Sequence adds special tokens twice, which LoRA Lab cannot apply.`,
    );
  }
  return adding[0] ?? BARE;
}
