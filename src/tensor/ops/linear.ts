import { kernels } from '../../kernels/active.js';
import { UserError } from '../../errors.js';
import { record } from '../autograd.js';
import { Tensor, shapeToString } from '../tensor.js';
import { assertMinRank, assertRank, assertShape } from './shape.js';

/**
 * y = x·Wᵀ + b for x [..., in], W [out, in] (PyTorch's layout), b [out].
 * Backward computes dW and db only when W and b require gradients: a frozen layer costs one GEMM
 * (for dx) instead of two, and none at all when x needs no gradient either.
 */
export function linear(x: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  assertRank('linear', 'a weight', weight.shape, 2);
  assertMinRank('linear', 'an input', x.shape, 1);
  const [outFeatures, inFeatures] = weight.shape;
  if (x.shape[x.rank - 1] !== inFeatures) {
    throw new UserError(
      `linear cannot apply a weight of shape ${shapeToString(weight.shape)} to an input of shape ${shapeToString(x.shape)}.`,
    );
  }
  if (bias) assertShape('linear', 'a bias', bias.shape, [outFeatures]);
  const rows = inFeatures === 0 ? 0 : x.size / inFeatures;
  const y = Tensor.empty([...x.shape.slice(0, -1), outFeatures]);
  // The bias is added in the GEMM's epilogue: C is written once, never read.
  kernels().gemm({
    batch: 1,
    m: rows,
    n: outFeatures,
    k: inFeatures,
    transA: false,
    transB: true,
    a: x.data,
    aOffset: 0,
    aStride: 0,
    b: weight.data,
    bOffset: 0,
    bStride: 0,
    c: y.data,
    cOffset: 0,
    cStride: 0,
    alpha: 1,
    beta: 0,
    bias: bias ? bias.data : null,
  });
  const inputs = bias ? [x, weight, bias] : [x, weight];
  return record(y, 'linear', inputs, (dy) => {
    const k = kernels();
    if (x.requiresGrad) {
      // dx [rows, in] += dy [rows, out] · W [out, in]; a first gradient is written, not added.
      const fresh = x.grad === null;
      k.gemm({
        batch: 1,
        m: rows,
        n: inFeatures,
        k: outFeatures,
        transA: false,
        transB: false,
        a: dy,
        aOffset: 0,
        aStride: 0,
        b: weight.data,
        bOffset: 0,
        bStride: 0,
        c: x.gradToWrite(),
        cOffset: 0,
        cStride: 0,
        alpha: 1,
        beta: fresh ? 0 : 1,
      });
    }
    if (weight.requiresGrad) {
      // dW [out, in] += dyᵀ [out, rows] · x [rows, in]
      const fresh = weight.grad === null;
      k.gemm({
        batch: 1,
        m: outFeatures,
        n: inFeatures,
        k: rows,
        transA: true,
        transB: false,
        a: dy,
        aOffset: 0,
        aStride: 0,
        b: x.data,
        bOffset: 0,
        bStride: 0,
        c: weight.gradToWrite(),
        cOffset: 0,
        cStride: 0,
        alpha: 1,
        beta: fresh ? 0 : 1,
      });
    }
    if (bias && bias.requiresGrad) k.sumRows(dy, rows, outFeatures, bias.gradBuffer());
  });
}
