import { kernels } from '../../kernels/active.js';
import { UserError } from '../../errors.js';
import { record } from '../autograd.js';
import type { Rng } from '../random.js';
import { currentScope, opFloats } from '../scope.js';
import { Tensor, shapeToString } from '../tensor.js';
import { applyDropoutMask, drawDropoutMask } from './dropout.js';
import { assertRank } from './shape.js';

export interface AttentionOptions {
  numHeads: number;
  /**
   * Additive bias: [B, Tk] over key positions (see attentionBias), shared by all heads and queries;
   * or [B, Tq, Tk], one row per query (see slidingWindowBias), shared by all heads.
   */
  bias?: Tensor;
  /** Dropout on the attention probabilities, as HF applies it in training. */
  dropoutP?: number;
  rng?: Rng;
  training?: boolean;
}

/**
 * Multi-head attention, fused: q [B, Tq, H·D], k and v [B, Tk, H·D] (the projections' outputs) →
 * softmax(q·kᵀ/√D + bias) · v per head → [B, Tq, H·D], heads concatenated as HF does.
 *
 * Each head is read in place from [B, T, H·D] (rows H·D apart, head h at column h·D) by GEMMs with a
 * row stride and a second batch level, and the context is written straight into [B, T, H·D]; no
 * head-layout copies. Scores and probabilities live only inside this op. The backward computes dq, dk
 * and dv only for inputs that require them (the score path is skipped entirely when only v needs one).
 */
export function scaledDotProductAttention(q: Tensor, k: Tensor, v: Tensor, opts: AttentionOptions): Tensor {
  const op = 'scaledDotProductAttention';
  assertRank(op, 'q', q.shape, 3);
  assertRank(op, 'k', k.shape, 3);
  assertRank(op, 'v', v.shape, 3);
  const [batch, tq, hidden] = q.shape;
  const tk = k.shape[1];
  if (
    k.shape[0] !== batch ||
    k.shape[2] !== hidden ||
    v.shape[0] !== batch ||
    v.shape[1] !== tk ||
    v.shape[2] !== hidden
  ) {
    throw new UserError(
      `${op} got mismatched q ${shapeToString(q.shape)}, k ${shapeToString(k.shape)} and v ${shapeToString(v.shape)}.`,
    );
  }
  const heads = opts.numHeads;
  if (!Number.isInteger(heads) || heads < 1 || hidden % heads !== 0) {
    throw new UserError(`${op} cannot split a hidden size of ${hidden} into ${heads} heads.`);
  }
  const dim = hidden / heads;
  const bias = opts.bias ?? null;
  const perQuery = bias !== null && bias.rank === 3;
  if (
    bias &&
    !(bias.rank === 2 && bias.shape[0] === batch && bias.shape[1] === tk) &&
    !(perQuery && bias.shape[0] === batch && bias.shape[1] === tq && bias.shape[2] === tk)
  ) {
    throw new UserError(
      `${op} expects a bias of shape [${batch}, ${tk}] or [${batch}, ${tq}, ${tk}], but got ${shapeToString(bias.shape)}.`,
    );
  }
  const p = opts.dropoutP ?? 0;
  if (!(p >= 0 && p <= 1))
    throw new UserError(`${op} expects a dropout probability between 0 and 1, but got ${p}.`);
  const useDropout = (opts.training ?? false) && p > 0;
  if (useDropout && !opts.rng)
    throw new UserError(`${op} needs an rng to apply attention dropout in training.`);

  const bh = batch * heads;
  const rows = bh * tq;
  const scale = 1 / Math.sqrt(dim);
  const rowsPerBias = heads * tq;
  // Heads are read and written in place in [B, T, H·D]; scores-shaped buffers are [B·H, Tq, Tk].
  const qHeads = inHeads(q.data, tq, heads, dim);
  const kHeads = inHeads(k.data, tk, heads, dim);
  const vHeads = inHeads(v.data, tk, heads, dim);
  const square = (data: Float32Array, cols: number): HeadOperand => ({
    data,
    ld: cols,
    stride: tq * cols,
    groupStride: heads * tq * cols,
  });

  // scores [B·H, Tq, Tk] = qh · khᵀ / √D; a temporary, in a buffer reused across calls.
  const scores = scratch(0, rows * tk);
  if (perQuery) {
    // A per-query bias is put into every head's scores first, and the GEMM adds onto it (beta 1).
    const block = tq * tk;
    for (let b = 0; b < batch; b++) {
      const rowsOfB = bias!.data.subarray(b * block, (b + 1) * block);
      for (let h = 0; h < heads; h++) scores.set(rowsOfB, (b * heads + h) * block);
    }
  }
  headGemm(bh, heads, tq, tk, dim, false, true, qHeads, kHeads, square(scores, tk), scale, perQuery ? 1 : 0);
  const probs = opFloats(rows * tk, false);
  kernels().softmax({
    rows,
    cols: tk,
    x: scores,
    y: probs,
    ...(bias && !perQuery ? { bias: bias.data, rowsPerBias } : {}),
  });

  const keep = useDropout ? drawDropoutMask(p, opts.rng!) : null;
  // attn = dropout(probs); built again in the backward rather than kept alive until then.
  const dropped = (into: Float32Array): Float32Array => {
    applyDropoutMask(keep!, probs, into, rows * tk, false);
    return into;
  };
  const attn = keep ? dropped(scores) : probs;

  // context [B, Tq, H·D], head by head: attn · vh
  const out = Tensor.empty([batch, tq, hidden]);
  headGemm(
    bh,
    heads,
    tq,
    dim,
    tk,
    false,
    false,
    square(attn, tk),
    vHeads,
    inHeads(out.data, tq, heads, dim),
    1,
    0,
  );

  // Only probs and the keep mask outlive the forward.
  const inputs = bias ? [q, k, v, bias] : [q, k, v];
  return record(out, op, inputs, (dOut) => {
    const dctx = inHeads(dOut, tq, heads, dim);
    // A first gradient is written (beta 0), a later one added: every element of it is written.
    const betaOf = (t: Tensor): 0 | 1 => (t.grad === null ? 0 : 1);
    // Serves attn (for dv), then dattn.
    const sq = scratch(0, rows * tk);
    if (v.requiresGrad) {
      // dvh [Tk, D] = attnᵀ [Tk, Tq] · dctx [Tq, D]
      const beta = betaOf(v);
      const attnB = keep ? dropped(sq) : probs;
      headGemm(
        bh,
        heads,
        tk,
        dim,
        tq,
        true,
        false,
        square(attnB, tk),
        dctx,
        inHeads(v.gradToWrite(), tk, heads, dim),
        1,
        beta,
      );
    }
    const biasGrad = bias !== null && bias.requiresGrad;
    if (!q.requiresGrad && !k.requiresGrad && !biasGrad) return;
    // dattn [Tq, Tk] = dctx [Tq, D] · vhᵀ [D, Tk], then back through dropout.
    const dprobs = sq;
    headGemm(bh, heads, tq, tk, dim, false, true, dctx, vHeads, square(dprobs, tk), 1, 0);
    if (keep) applyDropoutMask(keep, dprobs, dprobs, rows * tk, false);
    // d(scores + bias): the same for the scaled scores and for the bias.
    const dscores = scratch(1, rows * tk);
    kernels().softmaxBackward(probs, dprobs, dscores, rows, tk, false);
    if (biasGrad) {
      const gb = bias!.gradBuffer();
      for (let r = 0; r < rows; r++) {
        const o = r * tk;
        // Row r is (batch, head, query): a per-query bias row is (batch, query), a per-key one batch.
        const bo = perQuery
          ? (Math.floor(r / rowsPerBias) * tq + (r % tq)) * tk
          : Math.floor(r / rowsPerBias) * tk;
        for (let c = 0; c < tk; c++) gb[bo + c] += dscores[o + c];
      }
    }
    if (q.requiresGrad) {
      // dqh [Tq, D] = dscores [Tq, Tk] · kh [Tk, D] / √D
      const beta = betaOf(q);
      headGemm(
        bh,
        heads,
        tq,
        dim,
        tk,
        false,
        false,
        square(dscores, tk),
        kHeads,
        inHeads(q.gradToWrite(), tq, heads, dim),
        scale,
        beta,
      );
    }
    if (k.requiresGrad) {
      // dkh [Tk, D] = dscoresᵀ [Tk, Tq] · qh [Tq, D] / √D
      const beta = betaOf(k);
      headGemm(
        bh,
        heads,
        tk,
        dim,
        tq,
        true,
        false,
        square(dscores, tk),
        qHeads,
        inHeads(k.gradToWrite(), tk, heads, dim),
        scale,
        beta,
      );
    }
  });
}

/**
 * One GEMM operand over all B·H heads: matrix (b, h) starts at b·groupStride + h·stride and its
 * rows are `ld` apart.
 */
interface HeadOperand {
  data: Float32Array;
  ld: number;
  stride: number;
  groupStride: number;
}

/** The heads of a [B, T, H·D] array, read or written in place: rows H·D apart, head h at column h·D. */
function inHeads(data: Float32Array, len: number, heads: number, dim: number): HeadOperand {
  return { data, ld: heads * dim, stride: dim, groupStride: len * heads * dim };
}

/** `count` GEMMs, one per (batch, head), `heads` to a group. */
function headGemm(
  count: number,
  heads: number,
  m: number,
  n: number,
  k: number,
  transA: boolean,
  transB: boolean,
  a: HeadOperand,
  b: HeadOperand,
  c: HeadOperand,
  alpha: number,
  beta: 0 | 1,
): void {
  kernels().gemm({
    batch: count,
    m,
    n,
    k,
    transA,
    transB,
    a: a.data,
    aOffset: 0,
    aStride: a.stride,
    b: b.data,
    bOffset: 0,
    bStride: b.stride,
    c: c.data,
    cOffset: 0,
    cStride: c.stride,
    alpha,
    beta,
    lda: a.ld,
    ldb: b.ld,
    ldc: c.ld,
    group: heads,
    aGroupStride: a.groupStride,
    bGroupStride: b.groupStride,
    cGroupStride: c.groupStride,
  });
}

/**
 * Score-sized temporaries that never leave this op (scores in the forward, attn/dattn and dscores in
 * the backward). Inside a tensorScope they come from the scope like everything else; outside one they
 * are kept between calls, since allocating ~B·H·T² floats afresh costs page faults and zeroing every
 * layer. Two slots, since the backward needs two at once. Only the first `n` elements are meant.
 */
const scratchSlots: Float32Array[] = [new Float32Array(0), new Float32Array(0)];

function scratch(slot: 0 | 1, n: number): Float32Array {
  if (currentScope()) return opFloats(n, false);
  if (scratchSlots[slot].length < n) scratchSlots[slot] = new Float32Array(n);
  return scratchSlots[slot];
}
