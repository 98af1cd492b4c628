import type { Tensor } from '../../tensor/tensor.js';

/**
 * The sinusoidal position table of "Attention is all you need", as transformers fills DistilBERT's
 * `position_embeddings` when `sinusoidal_pos_embds` is set: angle = pos / 10000^(2·⌊j/2⌋ / dim),
 * sin in the even columns and cos in the odd ones, computed in double precision and stored in float32.
 */
export function fillSinusoidalPositions(table: Tensor): void {
  const [positions, dim] = table.shape;
  for (let pos = 0; pos < positions; pos++) {
    for (let j = 0; j < dim; j++) {
      const angle = pos / Math.pow(10000, (2 * Math.floor(j / 2)) / dim);
      table.data[pos * dim + j] = j % 2 === 0 ? Math.sin(angle) : Math.cos(angle);
    }
  }
}
