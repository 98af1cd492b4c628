/**
 * The one interface every compute backend implements. All arrays are row-major and contiguous
 * unless a stride says otherwise; sizes are in elements. "Accumulate" kernels add into their output
 * (gradients are summed), the others overwrite it.
 */

/** C[i] = alpha * op(A[i]) · op(B[i]) + beta * C[i] for i < batch. op(A) is m×k, op(B) is k×n, C is m×n. */
export interface GemmSpec {
  batch: number;
  m: number;
  n: number;
  k: number;
  /** A is stored [k, m] instead of [m, k]. */
  transA: boolean;
  /** B is stored [n, k] instead of [k, n]. */
  transB: boolean;
  a: Float32Array;
  aOffset: number;
  /** Elements between consecutive A matrices; 0 broadcasts one matrix over the batch. */
  aStride: number;
  b: Float32Array;
  bOffset: number;
  bStride: number;
  c: Float32Array;
  cOffset: number;
  cStride: number;
  alpha: number;
  /** 0 overwrites C (its old contents, even NaN, are ignored); 1 accumulates. */
  beta: number;
  /** Optional n values added to every row of every C matrix: C = alpha·op(A)·op(B) + bias + beta·C. */
  bias?: Float32Array | null;
  biasOffset?: number;
  /**
   * Row strides (leading dimensions) in elements of the matrices as stored; default contiguous (A:
   * k, or m with transA; B: n, or k with transB; C: n). With a larger stride a matrix is read or
   * written in place inside a wider one, e.g. one attention head's columns of [T, H·D].
   */
  lda?: number;
  ldb?: number;
  ldc?: number;
  /**
   * A second batch level: matrix i starts at offset + ⌊i / group⌋·groupStride + (i mod group)·stride,
   * so [B, T, H·D] addresses head (b, h) as i = b·H + h with group H, stride D, groupStride T·H·D.
   * Default: one group of `batch` (the group strides are then unused).
   */
  group?: number;
  aGroupStride?: number;
  bGroupStride?: number;
  cGroupStride?: number;
}

export interface SoftmaxSpec {
  rows: number;
  cols: number;
  x: Float32Array;
  y: Float32Array;
  /** Optional additive bias of shape [rows / rowsPerBias, cols]: row r adds bias row floor(r / rowsPerBias). */
  bias?: Float32Array;
  rowsPerBias?: number;
}

export interface LayerNormSpec {
  rows: number;
  cols: number;
  eps: number;
  x: Float32Array;
  gamma: Float32Array;
  beta: Float32Array;
  y: Float32Array;
  /** Saved per row for the backward pass. */
  mean: Float32Array;
  rstd: Float32Array;
}

export interface LayerNormBackwardSpec {
  rows: number;
  cols: number;
  x: Float32Array;
  gamma: Float32Array;
  mean: Float32Array;
  rstd: Float32Array;
  dy: Float32Array;
  /** Accumulated into; null when the input needs no gradient. */
  dx: Float32Array | null;
  /** false: dx is overwritten (a first gradient), not added to. Default true. */
  dxAccumulate?: boolean;
  dgamma: Float32Array | null;
  dbeta: Float32Array | null;
}

export interface AdamWSpec {
  n: number;
  param: Float32Array;
  grad: Float32Array;
  m: Float32Array;
  v: Float32Array;
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** 1-based step count, for bias correction. */
  step: number;
}

/**
 * Inverted dropout with a mask drawn from (seed0, seed1): element i is kept when
 * hash(seed0, seed1, i) >>> 8 ≥ threshold (see reference/dropout.ts; threshold = ⌈p·2²⁴⌉).
 * y[i] = kept ? x[i]·scale : 0, or added into y with `accumulate` (the backward). x may be y.
 */
export interface DropoutSpec {
  n: number;
  x: Float32Array;
  y: Float32Array;
  seed0: number;
  seed1: number;
  threshold: number;
  scale: number;
  accumulate: boolean;
}

export interface Kernels {
  readonly name: string;
  readonly threads: number;
  /** The native backend's instruction set (avx512, avx2, generic). */
  readonly isa?: string;
  /** The WebAssembly backend's build: relaxed SIMD's fused multiply-add, or plain. */
  readonly fma?: boolean;
  gemm(spec: GemmSpec): void;
  /** y = gelu(x), erf form: x/2 · (1 + erf(x/√2)). */
  gelu(x: Float32Array, y: Float32Array, n: number): void;
  /** dx += dy · gelu'(x); with `accumulate` false, dx = dy · gelu'(x) (a first gradient, not zeroed). */
  geluBackward(x: Float32Array, dy: Float32Array, dx: Float32Array, n: number, accumulate?: boolean): void;
  /** Softmax over the last axis, after adding the optional bias. */
  softmax(spec: SoftmaxSpec): void;
  /** dx += y ⊙ (dy − Σ dy⊙y) per row; overwritten instead with `accumulate` false. */
  softmaxBackward(
    y: Float32Array,
    dy: Float32Array,
    dx: Float32Array,
    rows: number,
    cols: number,
    accumulate?: boolean,
  ): void;
  layerNorm(spec: LayerNormSpec): void;
  layerNormBackward(spec: LayerNormBackwardSpec): void;
  /** out[i, :] = table[ids[i], :]. */
  embedding(ids: Int32Array, table: Float32Array, out: Float32Array, count: number, dim: number): void;
  /** dTable[ids[i], :] += dOut[i, :]. */
  embeddingBackward(
    ids: Int32Array,
    dOut: Float32Array,
    dTable: Float32Array,
    count: number,
    dim: number,
  ): void;
  dropout(spec: DropoutSpec): void;
  /** y = a + b over n elements; y may be a or b (so `add(g, dy, g, n)` accumulates a gradient). */
  add(a: Float32Array, b: Float32Array, y: Float32Array, n: number): void;
  /** out[j] += Σ_r x[r·cols + j] over r < rows: the column sums of [rows, cols], e.g. a bias's gradient. */
  sumRows(x: Float32Array, rows: number, cols: number, out: Float32Array): void;
  /** Decoupled weight decay (Loshchilov & Hutter), as torch.optim.AdamW. */
  adamw(spec: AdamWSpec): void;
  /**
   * A zeroed buffer for long-lived state the kernels read and write in place (optimizer moments):
   * the wasm backend places it in its own memory so calls need not copy it; its block is reused once
   * the array is garbage collected, so no subarray of it may outlive it.
   */
  allocState(n: number): Float32Array;
  /**
   * n floats the kernels use in place (wasm memory for the wasm backend), lent until `returnFloats`;
   * null when the backend has no such memory or it is full, and the caller then uses an ordinary
   * array. Zeroed unless `zero` is false (the caller then writes every element before reading it).
   * Return blocks newest first: the memory is then reused at once.
   */
  borrowFloats(n: number, zero: boolean): Float32Array | null;
  /** Gives back an array from `borrowFloats`; no view on it may be used afterwards. */
  returnFloats(array: Float32Array): void;
  /** Frees workers and memory; the backend is unusable afterwards. */
  dispose(): void;
}
