import { UserError } from '../../errors.js';
import { shapeToString, type IntTensor } from '../../tensor/tensor.js';

/** What a family's embeddings can take: its positions, its vocabulary and, where used, its token types. */
export interface InputLimits {
  /** The family's name in messages, e.g. "DistilBERT". */
  family: string;
  maxPositions: number;
  vocabSize: number;
  /** The token types' table size; absent for a family that ignores token types. */
  typeVocabSize?: number;
}

/**
 * Refuses, in one sentence, inputs the embeddings would read out of range: ids, mask and (when the
 * family uses them) token types must all be [batch, length], no longer than the positions, every id
 * inside its table.
 */
export function checkSequenceInputs(
  limits: InputLimits,
  ids: IntTensor,
  mask: IntTensor,
  types?: IntTensor,
): void {
  if (ids.shape.length !== 2 || ids.shape[0] < 1 || ids.shape[1] < 1) {
    throw new UserError(
      `${limits.family} expects input ids of shape [batch, length], but got ${shapeToString(ids.shape)}.`,
    );
  }
  const others: [string, IntTensor][] = [['attention mask', mask]];
  if (types && limits.typeVocabSize !== undefined) others.push(['token type ids', types]);
  for (const [what, t] of others) {
    if (t.shape.length !== 2 || t.shape[0] !== ids.shape[0] || t.shape[1] !== ids.shape[1]) {
      throw new UserError(
        `The ${what} has shape ${shapeToString(t.shape)}, but the input ids have ${shapeToString(ids.shape)}.`,
      );
    }
  }
  if (ids.shape[1] > limits.maxPositions) {
    throw new UserError(
      `Sequences of ${ids.shape[1]} tokens are longer than the model's ${limits.maxPositions} positions.`,
    );
  }
  checkRange('token id', ids.data, limits.vocabSize, 'the vocabulary');
  if (types && limits.typeVocabSize !== undefined) {
    checkRange('token type id', types.data, limits.typeVocabSize, 'the token types');
  }
}

function checkRange(what: string, data: Int32Array, size: number, of: string): void {
  for (let i = 0; i < data.length; i++) {
    if (data[i] < 0 || data[i] >= size) {
      throw new UserError(`The ${what} ${data[i]} is outside ${of} of the model (${size} entries).`);
    }
  }
}
