import { UserError } from '../../errors.js';
import { record } from '../autograd.js';
import { Tensor, shapeToString } from '../tensor.js';
import { assertRank } from './shape.js';

/**
 * Mean binary cross-entropy of logits [N, C] against targets [N, C] (each in [0, 1]; 0/1 for a label
 * set), one sigmoid per element, as PyTorch's BCEWithLogitsLoss with its default mean over all N·C
 * elements (what transformers' multi_label_classification uses). Returns a scalar (shape []).
 *
 * Each term is written max(x, 0) − x·y + log(1 + e^−|x|), PyTorch's stable form: equal to
 * −[y·log σ(x) + (1 − y)·log(1 − σ(x))], but neither exp nor log ever sees a large argument, so huge
 * logits of either sign give finite values. The targets get no gradient.
 */
export function bceWithLogits(logits: Tensor, targets: Tensor): Tensor {
  assertRank('bceWithLogits', 'logits', logits.shape, 2);
  if (
    targets.shape.length !== 2 ||
    targets.shape[0] !== logits.shape[0] ||
    targets.shape[1] !== logits.shape[1]
  ) {
    throw new UserError(
      `bceWithLogits expects targets of shape ${shapeToString(logits.shape)} like its logits, but got ${shapeToString(targets.shape)}.`,
    );
  }
  const x = logits.data;
  const y = targets.data;
  const count = x.length;
  let total = 0;
  for (let i = 0; i < count; i++) {
    const v = x[i];
    const t = y[i];
    if (!(t >= 0 && t <= 1)) {
      throw new UserError(`bceWithLogits got the target ${t} at element ${i}; targets must lie in [0, 1].`);
    }
    total += Math.max(v, 0) - v * t + Math.log1p(Math.exp(-Math.abs(v)));
  }
  const loss = Tensor.from([count === 0 ? 0 : total / count], []);
  return record(loss, 'bceWithLogits', [logits], (dy) => {
    const g = logits.gradBuffer();
    if (count === 0) return;
    // d loss / d x = (σ(x) − y) / count.
    const s = dy[0] / count;
    for (let i = 0; i < count; i++) g[i] += s * (sigmoid(x[i]) - y[i]);
  });
}

/** σ(x) without overflow: e^−x is only taken for x ≥ 0, e^x only for x < 0. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}
