import { UserError } from '../../errors.js';
import { record } from '../autograd.js';
import { IntTensor, Tensor, shapeToString } from '../tensor.js';
import { assertRank } from './shape.js';

export interface CrossEntropyOptions {
  /** Rows whose label equals this are left out of the loss and the mean, as PyTorch's ignore_index. */
  ignoreIndex?: number;
}

/**
 * Mean softmax cross-entropy of logits [N, C] against integer labels [N], through log-sum-exp so
 * large logits do not overflow. Returns a scalar (shape []). Labels equal to `ignoreIndex` (default
 * −100, as PyTorch) are skipped; if every row is ignored the loss is 0 with zero gradient (PyTorch
 * gives NaN, which would poison a training run).
 */
export function crossEntropy(logits: Tensor, labels: IntTensor, options: CrossEntropyOptions = {}): Tensor {
  const ignoreIndex = options.ignoreIndex ?? -100;
  assertRank('crossEntropy', 'logits', logits.shape, 2);
  const [n, c] = logits.shape;
  if (labels.shape.length !== 1 || labels.shape[0] !== n) {
    throw new UserError(
      `crossEntropy expects labels of shape [${n}] for logits ${shapeToString(logits.shape)}, but got ${shapeToString(labels.shape)}.`,
    );
  }
  const x = logits.data;
  const lse = new Float64Array(n);
  let total = 0;
  let count = 0;
  for (let i = 0; i < n; i++) {
    const label = labels.data[i];
    if (label === ignoreIndex) continue;
    if (label < 0 || label >= c) {
      throw new UserError(`crossEntropy got label ${label} at row ${i}, out of range for ${c} classes.`);
    }
    const o = i * c;
    let max = -Infinity;
    for (let j = 0; j < c; j++) if (x[o + j] > max) max = x[o + j];
    let sum = 0;
    for (let j = 0; j < c; j++) sum += Math.exp(x[o + j] - max);
    lse[i] = max + Math.log(sum);
    total += lse[i] - x[o + label];
    count++;
  }
  const loss = Tensor.from([count === 0 ? 0 : total / count], []);
  return record(loss, 'crossEntropy', [logits], (dy) => {
    const g = logits.gradBuffer();
    if (count === 0) return;
    // d loss / d logits[i, j] = (softmax[i, j] − [j = label]) / count.
    const s = dy[0] / count;
    for (let i = 0; i < n; i++) {
      const label = labels.data[i];
      if (label === ignoreIndex) continue;
      const o = i * c;
      for (let j = 0; j < c; j++) g[o + j] += s * Math.exp(x[o + j] - lse[i]);
      g[o + label] -= s;
    }
  });
}
