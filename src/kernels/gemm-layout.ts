import type { GemmSpec } from './kernels.js';

/**
 * A GemmSpec's optional layout fields with their defaults filled in and checked; shared by both
 * backends so they agree on what a spec means.
 */
export interface GemmLayout {
  lda: number;
  ldb: number;
  ldc: number;
  /** Matrices per group (see GemmSpec.group). */
  group: number;
  aGroupStride: number;
  bGroupStride: number;
  cGroupStride: number;
  /**
   * How the C matrices of the batch relate: `disjoint` (no element written twice, any order),
   * `sum` (all at one place: the batch is summed into one C, in batch order), or `overlap` (anything
   * else: walked strictly in batch order, as the reference does).
   */
  cLayout: 'disjoint' | 'sum' | 'overlap';
}

function checkStride(name: string, value: number, min: number): number {
  if (!(Number.isInteger(value) && value >= min)) {
    throw new RangeError(`A GEMM ${name} must be a whole number of at least ${min}, not ${value}.`);
  }
  return value;
}

export function gemmLayout(s: GemmSpec): GemmLayout {
  const { m, n, k, batch } = s;
  const lda = checkStride('lda', s.lda ?? (s.transA ? m : k), s.transA ? m : k);
  const ldb = checkStride('ldb', s.ldb ?? (s.transB ? k : n), s.transB ? k : n);
  const ldc = checkStride('ldc', s.ldc ?? n, n);
  const group = checkStride('group', s.group ?? Math.max(batch, 1), 1);
  if (batch % group !== 0) {
    throw new RangeError(`A GEMM batch of ${batch} cannot be split into groups of ${group}.`);
  }
  checkStride('aStride', s.aStride, 0);
  checkStride('bStride', s.bStride, 0);
  checkStride('cStride', s.cStride, 0);
  const aGroupStride = checkStride('aGroupStride', s.aGroupStride ?? group * s.aStride, 0);
  const bGroupStride = checkStride('bGroupStride', s.bGroupStride ?? group * s.bStride, 0);
  const cGroupStride = checkStride('cGroupStride', s.cGroupStride ?? group * s.cStride, 0);
  const layout = { lda, ldb, ldc, group, aGroupStride, bGroupStride, cGroupStride };
  return { ...layout, cLayout: cLayoutOf(batch, m, n, s.cStride, layout) };
}

/** Where matrix `i` of an operand starts, in elements. */
export function matrixOffset(
  offset: number,
  stride: number,
  groupStride: number,
  group: number,
  i: number,
): number {
  return offset + Math.floor(i / group) * groupStride + (i % group) * stride;
}

/** Elements from an operand's offset to one past its last element (strides are non-negative). */
export function operandExtent(
  batch: number,
  group: number,
  stride: number,
  groupStride: number,
  rows: number,
  cols: number,
  ld: number,
): number {
  if (batch === 0 || rows === 0 || cols === 0) return 0;
  const groups = batch / group;
  return (groups - 1) * groupStride + (group - 1) * stride + (rows - 1) * ld + cols;
}

/**
 * Proves the batch's C matrices disjoint for the layouts that occur: stacked one after another, or
 * side by side within one row pitch (heads in [T, H·D]), at each batch level. Anything not proven
 * is treated as overlapping.
 */
function cLayoutOf(
  batch: number,
  m: number,
  n: number,
  cStride: number,
  l: Omit<GemmLayout, 'cLayout'>,
): GemmLayout['cLayout'] {
  if (batch <= 1 || m === 0 || n === 0) return 'disjoint';
  const { group, ldc, cGroupStride } = l;
  const groups = batch / group;
  if ((group === 1 || cStride === 0) && (groups === 1 || cGroupStride === 0)) return 'sum';
  // One level: `count` blocks, each `width` wide within a row and `extent` long, `stride` apart.
  const level = (count: number, stride: number, width: number, extent: number): [number, number] | null => {
    if (count === 1) return [width, extent];
    // Stacked: the blocks' columns need not line up, so the level counts as a full row wide.
    if (stride >= extent) return [ldc, (count - 1) * stride + extent];
    // Side by side within one row pitch.
    if (stride >= width && (count - 1) * stride + width <= ldc)
      return [(count - 1) * stride + width, (count - 1) * stride + extent];
    return null;
  };
  const inner = level(group, cStride, n, (m - 1) * ldc + n);
  if (!inner) return 'overlap';
  return level(groups, cGroupStride, inner[0], inner[1]) ? 'disjoint' : 'overlap';
}
