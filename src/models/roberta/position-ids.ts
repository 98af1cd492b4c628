import { IntTensor } from '../../tensor/tensor.js';

/**
 * RoBERTa's position ids, as fairseq made them and transformers keeps them: per row, the n-th token
 * that is not `paddingIdx` gets position `paddingIdx + n` (so real tokens start at paddingIdx + 1), and
 * every padding token gets `paddingIdx` itself, whose row never trains. The rule reads the ids, not the
 * attention mask.
 */
export function robertaPositionIds(inputIds: IntTensor, paddingIdx: number): IntTensor {
  const [batch, length] = inputIds.shape;
  const ids = inputIds.data;
  const positions = new Int32Array(ids.length);
  for (let b = 0; b < batch; b++) {
    let seen = 0;
    for (let t = 0; t < length; t++) {
      const i = b * length + t;
      if (ids[i] === paddingIdx) positions[i] = paddingIdx;
      else positions[i] = paddingIdx + ++seen;
    }
  }
  return new IntTensor(positions, inputIds.shape);
}
