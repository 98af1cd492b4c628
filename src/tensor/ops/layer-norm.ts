import { kernels } from '../../kernels/active.js';
import { UserError } from '../../errors.js';
import { record } from '../autograd.js';
import { opFloats } from '../scope.js';
import { Tensor } from '../tensor.js';
import { assertMinRank, assertShape } from './shape.js';

/**
 * Layer normalisation over the last axis with biased variance, as torch.nn.LayerNorm (BERT uses
 * eps = 1e-12). The per-row mean and 1/σ are kept for the backward; dx, dγ and dβ are each computed
 * only when their tensor requires a gradient.
 */
export function layerNorm(x: Tensor, gamma: Tensor, beta: Tensor, eps: number): Tensor {
  assertMinRank('layerNorm', 'an input', x.shape, 1);
  const cols = x.shape[x.rank - 1];
  assertShape('layerNorm', 'gamma', gamma.shape, [cols]);
  assertShape('layerNorm', 'beta', beta.shape, [cols]);
  if (!(eps >= 0)) throw new UserError(`layerNorm expects a non-negative eps, but got ${eps}.`);
  const rows = cols === 0 ? 0 : x.size / cols;
  const y = Tensor.empty(x.shape);
  const mean = opFloats(rows, false);
  const rstd = opFloats(rows, false);
  kernels().layerNorm({
    rows,
    cols,
    eps,
    x: x.data,
    gamma: gamma.data,
    beta: beta.data,
    y: y.data,
    mean,
    rstd,
  });
  return record(y, 'layerNorm', [x, gamma, beta], (dy) => {
    const fresh = x.grad === null;
    kernels().layerNormBackward({
      rows,
      cols,
      x: x.data,
      gamma: gamma.data,
      mean,
      rstd,
      dy,
      dx: x.requiresGrad ? x.gradToWrite() : null,
      dxAccumulate: !fresh,
      dgamma: gamma.requiresGrad ? gamma.gradBuffer() : null,
      dbeta: beta.requiresGrad ? beta.gradBuffer() : null,
    });
  });
}
