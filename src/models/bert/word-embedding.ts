import { embedding } from '../../tensor/ops/embedding.js';
import { noGrad, record } from '../../tensor/autograd.js';
import type { IntTensor, Tensor } from '../../tensor/tensor.js';

/**
 * Embedding lookup whose padding row gets no gradient, as torch.nn.Embedding(padding_idx=…) in HF's
 * BertEmbeddings: padded positions still read the row, but training never moves it.
 */
export function wordEmbedding(ids: IntTensor, table: Tensor, paddingIdx: number | null): Tensor {
  if (paddingIdx === null) return embedding(ids, table);
  const out = noGrad(() => embedding(ids, table));
  const dim = table.shape[1];
  return record(out, 'wordEmbedding', [table], (dOut) => {
    const dTable = table.gradBuffer();
    const idData = ids.data;
    for (let i = 0; i < idData.length; i++) {
      const id = idData[i];
      if (id === paddingIdx) continue;
      const dst = id * dim;
      const src = i * dim;
      for (let d = 0; d < dim; d++) dTable[dst + d] += dOut[src + d];
    }
  });
}
