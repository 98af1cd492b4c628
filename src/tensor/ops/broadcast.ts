import { kernels } from '../../kernels/active.js';
import type { Shape, Tensor } from '../tensor.js';
import { accumulateGrad } from './accumulate.js';
import { broadcastShapes, stridesOf } from './shape.js';

/**
 * Contiguous rows at least this long go to the kernels, a call a row (an embedding added over the
 * batch: one [T, H] block a call); shorter ones are not worth a call. The same float32 sums either way.
 */
export const KERNEL_ROW = 4096;

/**
 * How two operands map onto their broadcast output, with adjacent axes merged wherever both operands
 * stay contiguous across them. Same-shape operands collapse to one row; [B, T, H] + [T, H] (position
 * embeddings) to B rows of T·H. Element-wise ops then run a tight loop per row.
 */
export interface BroadcastPlan {
  outShape: number[];
  outSize: number;
  /** Merged axes (at least one). */
  dims: number[];
  /** Per merged axis, the operand's stride (0 where it is broadcast). */
  stridesA: number[];
  stridesB: number[];
}

function alignedStrides(shape: Shape, outShape: number[]): number[] {
  const own = stridesOf(shape);
  const offset = outShape.length - shape.length;
  return outShape.map((_, i) => (i < offset || shape[i - offset] === 1 ? 0 : own[i - offset]));
}

export function planBroadcast(op: string, a: Shape, b: Shape): BroadcastPlan {
  const outShape = broadcastShapes(op, a, b);
  const sa = alignedStrides(a, outShape);
  const sb = alignedStrides(b, outShape);
  const dims: number[] = [];
  const stridesA: number[] = [];
  const stridesB: number[] = [];
  for (let i = 0; i < outShape.length; i++) {
    const d = outShape[i];
    if (d === 1) continue; // size-1 axes never move an index
    const last = dims.length - 1;
    if (last >= 0 && stridesA[last] === sa[i] * d && stridesB[last] === sb[i] * d) {
      dims[last] *= d;
      stridesA[last] = sa[i];
      stridesB[last] = sb[i];
    } else {
      dims.push(d);
      stridesA.push(sa[i]);
      stridesB.push(sb[i]);
    }
  }
  if (dims.length === 0) {
    dims.push(1);
    stridesA.push(0);
    stridesB.push(0);
  }
  let outSize = 1;
  for (const d of outShape) outSize *= d;
  return { outShape, outSize, dims, stridesA, stridesB };
}

/**
 * out = combine(a, b) element by element under `plan`. `combine` is called per element: fine for the
 * ops off the hot path; `add`, which every residual goes through, keeps its own loops.
 */
export function combineBroadcast(
  plan: BroadcastPlan,
  a: Float32Array,
  b: Float32Array,
  out: Float32Array,
  combine: (x: number, y: number) => number,
): void {
  const last = plan.dims.length - 1;
  const len = plan.dims[last];
  const sa = plan.stridesA[last];
  const sb = plan.stridesB[last];
  forEachRow(plan, (o, ia, ib) => {
    for (let j = 0; j < len; j++) out[o + j] = combine(a[ia + j * sa], b[ib + j * sb]);
  });
}

/**
 * Calls `row(outOffset, aOffset, bOffset)` for every innermost row; the row has `plan.dims[last]`
 * elements, stepping the operands by `stridesA[last]` and `stridesB[last]`.
 */
export function forEachRow(plan: BroadcastPlan, row: (o: number, ia: number, ib: number) => void): void {
  const { dims, stridesA, stridesB, outSize } = plan;
  if (outSize === 0) return;
  const outer = dims.length - 1;
  const len = dims[outer];
  if (outer === 0) {
    row(0, 0, 0);
    return;
  }
  const idx = new Array<number>(outer).fill(0);
  let ia = 0;
  let ib = 0;
  for (let o = 0; o < outSize; o += len) {
    row(o, ia, ib);
    // Odometer increment over the outer axes.
    for (let ax = outer - 1; ax >= 0; ax--) {
      idx[ax]++;
      ia += stridesA[ax];
      ib += stridesB[ax];
      if (idx[ax] < dims[ax]) break;
      ia -= stridesA[ax] * dims[ax];
      ib -= stridesB[ax] * dims[ax];
      idx[ax] = 0;
    }
  }
}

/**
 * Sends an element-wise op's output gradient (times `factor`) back to one operand, summing over the
 * axes along which that operand was broadcast. An operand as large as the output needs no reduction.
 */
export function reduceBroadcastGrad(
  target: Tensor,
  side: 'a' | 'b',
  plan: BroadcastPlan,
  dy: Float32Array,
  factor: number,
  adopt: boolean,
): void {
  if (target.size === plan.outSize) {
    if (factor === 1) {
      accumulateGrad(target, dy, adopt);
    } else {
      const g = target.gradBuffer();
      for (let i = 0; i < g.length; i++) g[i] += factor * dy[i];
    }
    return;
  }
  const g = target.gradBuffer();
  const last = plan.dims.length - 1;
  const len = plan.dims[last];
  const step = side === 'a' ? plan.stridesA[last] : plan.stridesB[last];
  forEachRow(plan, (o, ia, ib) => {
    const base = side === 'a' ? ia : ib;
    if (step === 0) {
      let s = 0;
      for (let j = 0; j < len; j++) s += dy[o + j];
      g[base] += factor * s;
    } else if (step === 1 && factor === 1 && len >= KERNEL_ROW) {
      const row = g.subarray(base, base + len);
      kernels().add(row, dy.subarray(o, o + len), row, len);
    } else {
      for (let j = 0; j < len; j++) g[base + j * step] += factor * dy[o + j];
    }
  });
}
