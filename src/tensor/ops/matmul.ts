import { kernels } from '../../kernels/active.js';
import { UserError } from '../../errors.js';
import { record } from '../autograd.js';
import { Tensor, shapeToString } from '../tensor.js';
import { assertMinRank } from './shape.js';

export interface MatmulOptions {
  /** a's last two axes are stored [k, m]: multiply by its transpose without copying. */
  transA?: boolean;
  /** b's last two axes are stored [n, k]. */
  transB?: boolean;
}

/** One GEMM operand: its array, where its first matrix starts, and the step between matrices. */
interface Operand {
  data: Float32Array;
  offset: number;
  stride: number;
}

function operand(data: Float32Array, stride = 0, offset = 0): Operand {
  return { data, offset, stride };
}

/** C (+)= op(A) · op(B) for `batch` matrices; `beta` 1 accumulates (gradients). */
function gemm(
  batch: number,
  m: number,
  n: number,
  k: number,
  transA: boolean,
  transB: boolean,
  a: Operand,
  b: Operand,
  c: Operand,
  beta: 0 | 1,
): void {
  kernels().gemm({
    batch,
    m,
    n,
    k,
    transA,
    transB,
    a: a.data,
    aOffset: a.offset,
    aStride: a.stride,
    b: b.data,
    bOffset: b.offset,
    bStride: b.stride,
    c: c.data,
    cOffset: c.offset,
    cStride: c.stride,
    alpha: 1,
    beta,
  });
}

/**
 * op(a) · op(b) over a's leading batch axes: a [...batch, m, k] (or [..., k, m] with transA), b
 * either 2-D (one matrix for the whole batch) or [...batch, k, n] with the same batch axes (or
 * [..., n, k] with transB). Result [...batch, m, n], by strided batched GEMM.
 *
 * When b is shared by the batch and a is not transposed, the batch folds into the rows (one big GEMM
 * instead of many small ones). b's gradient is then one sum over the batch; a batched GEMM writing
 * one C with stride 0 would race on a threaded backend, so that case is a single GEMM or a loop.
 */
export function matmul(a: Tensor, b: Tensor, opts: MatmulOptions = {}): Tensor {
  const transA = opts.transA ?? false;
  const transB = opts.transB ?? false;
  assertMinRank('matmul', 'a', a.shape, 2);
  assertMinRank('matmul', 'b', b.shape, 2);
  const batchShape = a.shape.slice(0, -2);
  const sharedB = b.rank === 2;
  if (!sharedB && (b.rank !== a.rank || batchShape.some((d, i) => d !== b.shape[i]))) {
    throw new UserError(
      `matmul needs b to be 2-D or to have a's batch axes, but got a ${shapeToString(a.shape)} and b ${shapeToString(b.shape)}.`,
    );
  }
  const [a0, a1] = a.shape.slice(-2);
  const [b0, b1] = b.shape.slice(-2);
  const m = transA ? a1 : a0;
  const k = transA ? a0 : a1;
  const kb = transB ? b1 : b0;
  const n = transB ? b0 : b1;
  if (k !== kb) {
    throw new UserError(
      `matmul cannot multiply a ${shapeToString(a.shape)}${transA ? 'ᵀ' : ''} by b ${shapeToString(b.shape)}${transB ? 'ᵀ' : ''}: inner sizes ${k} and ${kb} differ.`,
    );
  }
  let batch = 1;
  for (const d of batchShape) batch *= d;
  const y = Tensor.zeros([...batchShape, m, n]);
  const sa = m * k;
  const sb = sharedB ? 0 : k * n;
  const sc = m * n;
  const fold = sharedB && !transA;

  if (fold) gemm(1, batch * m, n, k, transA, transB, operand(a.data), operand(b.data), operand(y.data), 0);
  else gemm(batch, m, n, k, transA, transB, operand(a.data, sa), operand(b.data, sb), operand(y.data, sc), 0);

  /** op(B)'s gradient from `count` matrices of `rows` rows: op(A)ᵀ · dC, or dCᵀ · op(A) for B stored [n, k]. */
  const gradB = (count: number, rows: number, ga: Operand, gc: Operand, gb: Operand): void => {
    if (!transB) gemm(count, k, n, rows, !transA, false, ga, gc, gb, 1);
    else gemm(count, n, k, rows, true, transA, gc, ga, gb, 1);
  };

  return record(y, 'matmul', [a, b], (dc) => {
    if (a.requiresGrad) {
      const da = a.gradBuffer();
      if (fold) {
        // dA [batch·m, k] += dC [batch·m, n] · op(B)ᵀ
        gemm(1, batch * m, k, n, false, !transB, operand(dc), operand(b.data), operand(da), 1);
      } else if (!transA) {
        gemm(batch, m, k, n, false, !transB, operand(dc, sc), operand(b.data, sb), operand(da, sa), 1);
      } else {
        // A stored [k, m]: dA += op(B) [k, n] · dCᵀ [n, m]
        gemm(batch, k, m, n, transB, true, operand(b.data, sb), operand(dc, sc), operand(da, sa), 1);
      }
    }
    if (b.requiresGrad) {
      const db = b.gradBuffer();
      if (fold) {
        // With the batch folded into rows one GEMM sums the whole batch's contribution.
        gradB(1, batch * m, operand(a.data), operand(dc), operand(db));
      } else if (sharedB) {
        // transA with a shared b: one GEMM per batch entry, never a batched GEMM onto one C.
        for (let i = 0; i < batch; i++)
          gradB(1, m, operand(a.data, 0, i * sa), operand(dc, 0, i * sc), operand(db));
      } else {
        gradB(batch, m, operand(a.data, sa), operand(dc, sc), operand(db, k * n));
      }
    }
  });
}
