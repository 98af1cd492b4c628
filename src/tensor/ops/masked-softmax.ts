import { kernels } from '../../kernels/active.js';
import { UserError } from '../../errors.js';
import { record } from '../autograd.js';
import { opFloats } from '../scope.js';
import { Tensor, shapeToString } from '../tensor.js';
import { assertRank } from './shape.js';

/**
 * softmax(scores + bias) over the last axis, for attention scores [B, H, Tq, Tk] and an additive
 * bias [B, Tk] (see attentionBias) shared by every head and query row of a batch row. The bias is
 * added inside the kernel, so no [B, H, Tq, Tk] sum is materialised.
 */
export function maskedSoftmax(scores: Tensor, bias: Tensor): Tensor {
  assertRank('maskedSoftmax', 'scores', scores.shape, 4);
  assertRank('maskedSoftmax', 'a bias', bias.shape, 2);
  const [batch, heads, tq, tk] = scores.shape;
  if (bias.shape[0] !== batch || bias.shape[1] !== tk) {
    throw new UserError(
      `maskedSoftmax expects a bias of shape [${batch}, ${tk}] for scores ${shapeToString(scores.shape)}, but got ${shapeToString(bias.shape)}.`,
    );
  }
  const rows = batch * heads * tq;
  const rowsPerBias = heads * tq;
  const y = Tensor.empty(scores.shape);
  kernels().softmax({ rows, cols: tk, x: scores.data, y: y.data, bias: bias.data, rowsPerBias });
  return record(y, 'maskedSoftmax', [scores, bias], (dy) => {
    softmaxBiasBackward(y.data, dy, scores, bias, rows, tk, rowsPerBias);
  });
}

/**
 * The shared backward of a softmax whose input had a per-group bias added: the gradient of the
 * pre-softmax sum goes to the scores as is and to the bias summed over each bias row's group of rows.
 */
function softmaxBiasBackward(
  y: Float32Array,
  dy: Float32Array,
  scores: Tensor,
  bias: Tensor | null,
  rows: number,
  cols: number,
  rowsPerBias: number,
): void {
  const k = kernels();
  if (bias && bias.requiresGrad) {
    // The bias is rarely trainable; one scratch buffer then serves both gradients.
    const dx = opFloats(rows * cols);
    k.softmaxBackward(y, dy, dx, rows, cols);
    if (scores.requiresGrad) {
      const gs = scores.gradBuffer();
      for (let i = 0; i < dx.length; i++) gs[i] += dx[i];
    }
    const gb = bias.gradBuffer();
    for (let r = 0; r < rows; r++) {
      const o = r * cols;
      const bo = Math.floor(r / rowsPerBias) * cols;
      for (let c = 0; c < cols; c++) gb[bo + c] += dx[o + c];
    }
  } else if (scores.requiresGrad) {
    k.softmaxBackward(y, dy, scores.gradBuffer(), rows, cols);
  }
}
