import { UserError } from '../../errors.js';
import { record } from '../autograd.js';
import { Tensor, shapeToString } from '../tensor.js';
import { assertRank } from './shape.js';

/**
 * Rotary position embedding as HF applies it (rotate_half: each head's two halves, not interleaved
 * pairs): for x [B, T, H·D] and tables cos, sin [≥T, D] (row t for position t),
 * y = x ⊙ cos + rotate_half(x) ⊙ sin per head, with rotate_half([x₁, x₂]) = [−x₂, x₁].
 * The tables are constants. Each product is rounded to float32 before the sum, as torch computes it.
 */
export function rotaryEmbedding(x: Tensor, cos: Tensor, sin: Tensor, numHeads: number): Tensor {
  const op = 'rotaryEmbedding';
  assertRank(op, 'an input', x.shape, 3);
  assertRank(op, 'a cos table', cos.shape, 2);
  const [batch, length, hidden] = x.shape;
  if (!Number.isInteger(numHeads) || numHeads < 1 || hidden % numHeads !== 0) {
    throw new UserError(`${op} cannot split a hidden size of ${hidden} into ${numHeads} heads.`);
  }
  const dim = hidden / numHeads;
  if (dim % 2 !== 0) throw new UserError(`${op} needs an even head size, but got ${dim}.`);
  if (
    cos.shape[0] < length ||
    cos.shape[1] !== dim ||
    sin.rank !== 2 ||
    sin.shape[0] !== cos.shape[0] ||
    sin.shape[1] !== dim
  ) {
    throw new UserError(
      `${op} needs cos and sin tables of at least ${length} rows of ${dim}, but got ${shapeToString(cos.shape)} and ${shapeToString(sin.shape)}.`,
    );
  }
  const half = dim / 2;
  const c = cos.data;
  const s = sin.data;
  const xd = x.data;
  const y = Tensor.empty(x.shape);
  const yd = y.data;
  const f = Math.fround;
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < length; t++) {
      const row = (b * length + t) * hidden;
      const tab = t * dim;
      for (let h = 0; h < numHeads; h++) {
        const o = row + h * dim;
        for (let j = 0; j < half; j++) {
          const x1 = xd[o + j];
          const x2 = xd[o + half + j];
          yd[o + j] = f(x1 * c[tab + j]) - f(x2 * s[tab + j]);
          yd[o + half + j] = f(x2 * c[tab + half + j]) + f(x1 * s[tab + half + j]);
        }
      }
    }
  }
  return record(y, op, [x], (dy) => {
    // The transpose of the rotation: dx₁ = dy₁·cos₁ + dy₂·sin₂, dx₂ = dy₂·cos₂ − dy₁·sin₁.
    const g = x.gradBuffer();
    for (let b = 0; b < batch; b++) {
      for (let t = 0; t < length; t++) {
        const row = (b * length + t) * hidden;
        const tab = t * dim;
        for (let h = 0; h < numHeads; h++) {
          const o = row + h * dim;
          for (let j = 0; j < half; j++) {
            const d1 = dy[o + j];
            const d2 = dy[o + half + j];
            g[o + j] += d1 * c[tab + j] + d2 * s[tab + half + j];
            g[o + half + j] += d2 * c[tab + half + j] - d1 * s[tab + j];
          }
        }
      }
    }
  });
}
