import { kernels } from '../../kernels/active.js';
import { UserError } from '../../errors.js';
import { record } from '../autograd.js';
import type { Rng } from '../random.js';
import { Tensor, shapeToString } from '../tensor.js';
import { applyDropoutMask, drawDropoutMask } from './dropout.js';
import { assertRank } from './shape.js';

export interface AttentionOptions {
  numHeads: number;
  /** Additive bias [B, Tk] over key positions (see attentionBias), shared by all heads and queries. */
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
 * GemmSpec has no row stride, so a head cannot be read in place from [B, T, H·D] (its rows are H·D
 * apart); q, k, v are copied once into [B, H, T, D] and the context copied back — cheap next to the
 * GEMMs. Scores and probabilities live only inside this op. The backward computes dq, dk and dv
 * only for inputs that require them (the score path is skipped entirely when only v needs one).
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
  if (bias && (bias.rank !== 2 || bias.shape[0] !== batch || bias.shape[1] !== tk)) {
    throw new UserError(
      `${op} expects a bias of shape [${batch}, ${tk}], but got ${shapeToString(bias.shape)}.`,
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

  // scores [B·H, Tq, Tk] = qh · khᵀ / √D
  const scores = new Float32Array(rows * tk);
  const qh = splitHeads(q.data, batch, tq, heads, dim);
  const kh = splitHeads(k.data, batch, tk, heads, dim);
  headGemm(bh, tq, tk, dim, false, true, qh, kh, scores, scale);
  const probs = new Float32Array(rows * tk);
  kernels().softmax({
    rows,
    cols: tk,
    x: scores,
    y: probs,
    ...(bias ? { bias: bias.data, rowsPerBias } : {}),
  });

  const keep = useDropout ? drawDropoutMask(p, opts.rng!) : null;
  // attn = dropout(probs); built again in the backward rather than kept alive until then.
  const dropped = (into: Float32Array): Float32Array => {
    applyDropoutMask(keep!, probs, into, into.length, false);
    return into;
  };
  const attn = keep ? dropped(scores) : probs;

  // context [B·H, Tq, D] = attn · vh
  const ctx = new Float32Array(rows * dim);
  const vh = splitHeads(v.data, batch, tk, heads, dim);
  headGemm(bh, tq, dim, tk, false, false, attn, vh, ctx, 1);
  const out = Tensor.zeros([batch, tq, hidden]);
  mergeHeads(ctx, out.data, batch, tq, heads, dim, false);

  // Only probs and the keep mask outlive the forward; the head-layout copies of q, k, v are made
  // again in the backward, and only those a needed gradient reads.
  const inputs = bias ? [q, k, v, bias] : [q, k, v];
  return record(out, op, inputs, (dOut) => {
    const dctx = splitHeads(dOut, batch, tq, heads, dim);
    // One head-layout scratch serves dv, dq and dk in turn (each GEMM overwrites it).
    const scratch = new Float32Array(bh * Math.max(tq, tk) * dim);
    // Serves attn (for dv), then dattn; allocated only if one of them is needed.
    let square: Float32Array | null = null;
    const squareBuffer = (): Float32Array => (square ??= new Float32Array(rows * tk));
    if (v.requiresGrad) {
      // dvh [Tk, D] = attnᵀ [Tk, Tq] · dctx [Tq, D]
      headGemm(bh, tk, dim, tq, true, false, keep ? dropped(squareBuffer()) : probs, dctx, scratch, 1);
      mergeHeads(scratch, v.gradBuffer(), batch, tk, heads, dim, true);
    }
    const biasGrad = bias !== null && bias.requiresGrad;
    if (!q.requiresGrad && !k.requiresGrad && !biasGrad) return;
    // dattn [Tq, Tk] = dctx [Tq, D] · vhᵀ [D, Tk], then back through dropout.
    const dprobs = squareBuffer();
    const vh = splitHeads(v.data, batch, tk, heads, dim);
    headGemm(bh, tq, tk, dim, false, true, dctx, vh, dprobs, 1);
    if (keep) applyDropoutMask(keep, dprobs, dprobs, dprobs.length, false);
    // d(scores + bias): the same for the scaled scores and for the bias.
    const dscores = new Float32Array(rows * tk);
    kernels().softmaxBackward(probs, dprobs, dscores, rows, tk);
    if (biasGrad) {
      const gb = bias!.gradBuffer();
      for (let r = 0; r < rows; r++) {
        const o = r * tk;
        const bo = Math.floor(r / rowsPerBias) * tk;
        for (let c = 0; c < tk; c++) gb[bo + c] += dscores[o + c];
      }
    }
    if (q.requiresGrad) {
      // dqh [Tq, D] = dscores [Tq, Tk] · kh [Tk, D] / √D
      const kh = splitHeads(k.data, batch, tk, heads, dim);
      headGemm(bh, tq, dim, tk, false, false, dscores, kh, scratch, scale);
      mergeHeads(scratch, q.gradBuffer(), batch, tq, heads, dim, true);
    }
    if (k.requiresGrad) {
      // dkh [Tk, D] = dscoresᵀ [Tk, Tq] · qh [Tq, D] / √D
      const qh = splitHeads(q.data, batch, tq, heads, dim);
      headGemm(bh, tk, dim, tq, true, false, dscores, qh, scratch, scale);
      mergeHeads(scratch, k.gradBuffer(), batch, tk, heads, dim, true);
    }
  });
}

/**
 * `count` independent GEMMs over contiguous head-layout buffers ([B·H, rows, cols]), so each
 * operand's batch stride is its own matrix size. C is overwritten.
 */
function headGemm(
  count: number,
  m: number,
  n: number,
  k: number,
  transA: boolean,
  transB: boolean,
  a: Float32Array,
  b: Float32Array,
  c: Float32Array,
  alpha: number,
): void {
  kernels().gemm({
    batch: count,
    m,
    n,
    k,
    transA,
    transB,
    a,
    aOffset: 0,
    aStride: m * k,
    b,
    bOffset: 0,
    bStride: k * n,
    c,
    cOffset: 0,
    cStride: m * n,
    alpha,
    beta: 0,
  });
}

/** [B, T, H·D] → [B, H, T, D]. */
function splitHeads(src: Float32Array, batch: number, len: number, heads: number, dim: number): Float32Array {
  const dst = new Float32Array(src.length);
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < len; t++) {
      const so = (b * len + t) * heads * dim;
      for (let h = 0; h < heads; h++) {
        const s = so + h * dim;
        const d = ((b * heads + h) * len + t) * dim;
        for (let i = 0; i < dim; i++) dst[d + i] = src[s + i];
      }
    }
  }
  return dst;
}

/** [B, H, T, D] → [B, T, H·D], written or (with `accumulate`) added into dst. */
function mergeHeads(
  src: Float32Array,
  dst: Float32Array,
  batch: number,
  len: number,
  heads: number,
  dim: number,
  accumulate: boolean,
): void {
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < len; t++) {
      const dRow = (b * len + t) * heads * dim;
      for (let h = 0; h < heads; h++) {
        const s = ((b * heads + h) * len + t) * dim;
        const d = dRow + h * dim;
        if (accumulate) for (let i = 0; i < dim; i++) dst[d + i] += src[s + i];
        else for (let i = 0; i < dim; i++) dst[d + i] = src[s + i];
      }
    }
  }
}
