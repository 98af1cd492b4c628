// Batched, strided GEMM: C[i] = alpha · op(A[i]) · op(B[i]) + beta · C[i].
//
// Work: a task owns an MC×NC block of one C matrix and runs the whole k range for it, so no two
// threads ever add into the same C element and every element is summed in the same order whatever
// the thread count. Tasks are claimed from a shared counter (see job.ts).
//
// Memory: for its NC columns a thread packs op(B) once, for all of k, into NR-wide strips of
// contiguous floats, the strips' rows of one k step side by side (see bBlockBytes). Read in place, a
// strip would sit in k different cache lines a row pitch apart, which for pitches like 2 KiB all
// land in the same few L1 sets. The packed panel is remembered, so
// the next task with the same columns (tasks are numbered rows-fastest) skips the packing.
// k is walked in KC steps. Within a step, for each MR-row sliver of A (held in L1) the kernel sweeps
// every B strip of the panel (held in L2: KC×NC×4 bytes = 512 KiB at most), writing each C row left to
// right. The other order (one B strip against all slivers) writes each C cache line in two halves far
// apart in time and ran at 20 instead of 36 GFLOP/s on 4096×128×512.
// A is packed per KC step into MR-row panels, transposed or not: a transposed A read in place would
// touch a new cache line per row per step, and a row-major one would need a pointer per kernel row
// (MR adds per k step) where a panel needs one; packing costs about 1/nc of the products' time.

import { claimTask, jobCallId, jobThreads, argI, argP, argF } from './job';
import { A_BYTES, A_SPLAT, Tile, MR, NR } from './microkernel';

const KC: i32 = 256;
// Rows per task. Small tasks even out the threads' finishing times (64 measured a little better than
// 128 on two threads in the plain build). In the relaxed build each task's KC×NC slice of packed B
// comes from L3 once per task, and its 4-fold packed A is large anyway: 128 rows ran 0-10 % faster
// than 64 on BERT-base's shapes, one thread, by CPU time (the long-k ones gained most).
const MC_MAX: i32 = A_SPLAT ? 128 : 64;
const NC_MAX: i32 = 512;

// The plan of the current call. Globals are per instance, i.e. per thread: every thread computes
// the same plan from the same arguments.
let planGroups: i32 = 0;
let planSeqBatch: bool = false;
let planMb: i32 = 0;
let planNb: i32 = 0;
let planMc: i32 = 0;
let planNc: i32 = 0;

// Which B panel this thread's scratch holds.
let cachedCall: i32 = -1;
let cachedB: i32 = -1;
let cachedJb: i32 = -1;

function ceilDiv(a: i32, b: i32): i32 {
  return (a + b - 1) / b;
}

function roundUp(a: i32, b: i32): i32 {
  return ceilDiv(a, b) * b;
}

// How the batch's C matrices lie (decided on the JavaScript side, see src/kernels/gemm-layout.ts).
const C_DISJOINT: i32 = 0;
const C_SUM: i32 = 1;

function makePlan(batch: i32, m: i32, n: i32, cLayout: i32, threads: i32): void {
  // C matrices that overlap (one C for the whole batch sums it) must be done one after another.
  const disjoint = batch == 1 || cLayout == C_DISJOINT;
  planGroups = disjoint ? batch : 1;
  planSeqBatch = !disjoint;
  let nb = ceilDiv(n, NC_MAX);
  let mb = ceilDiv(m, MC_MAX);
  if (!disjoint && cLayout != C_SUM) {
    // Partly overlapping C matrices: one task, which walks the batch in order like the reference.
    mb = 1;
    nb = 1;
  } else if (threads > 1) {
    // About four tasks per thread, so a thread slowed by other work on the machine costs little.
    const want = threads * 4;
    if (planGroups * nb * mb < want) mb = min(ceilDiv(m, MR), ceilDiv(want, planGroups * nb));
    if (planGroups * nb * mb < want) nb = min(ceilDiv(n, NR), ceilDiv(want, planGroups * mb));
  }
  planMc = roundUp(ceilDiv(m, mb), MR);
  planMb = ceilDiv(m, planMc);
  planNc = roundUp(ceilDiv(n, nb), NR);
  planNb = ceilDiv(n, planNc);
}

function align64(x: usize): usize {
  return (x + 63) & ~(<usize>63);
}

// Distances between packed strips (B) and panels (A). Packing writes all strips at once, a few
// bytes each; at a distance that is a multiple of 4 KiB every write lands in the same L1 set and
// evicts the last (packing A for 512×4096×128 took 2.4 ms instead of 0.3). One spare cache line per
// strip spreads them over the sets.
function stripBytes(kc: i32): usize {
  return align64(<usize>kc * <usize>(NR * 4)) + 64;
}

function panelBytes(kc: i32): usize {
  return align64(<usize>kc * <usize>(MR * A_BYTES)) + 64;
}

// Packed B lies in KC-row blocks, each holding every strip's rows of one k step: the first sliver of
// a k step then reads its whole KC×NC slice as one sequential stream, which the hardware prefetcher
// follows, instead of one 12 KiB stretch per strip a whole-k strip apart (on long k, where the slice
// comes from L3 or memory, that cost 6-8 % of the time, measured by keeping the slice in L2).
function bBlockBytes(kc: i32): usize {
  return <usize>(planNc / NR) * stripBytes(kc);
}

// Per-thread scratch: [packed B: nc×k][packed A: mc×KC][edge tile: MR×NR].
function packedBBytes(k: i32): usize {
  const tail = k % KC;
  return <usize>(k / KC) * bBlockBytes(KC) + (tail != 0 ? bBlockBytes(tail) : 0);
}

/** Where row p of strip 0 of a packed B lies; strip s's is `stripBytes(kcOf(k, p))` further per strip. */
function bRow(packed: usize, p: i32): usize {
  return packed + <usize>(p / KC) * bBlockBytes(KC) + <usize>((p % KC) * NR * 4);
}

/** Rows of the k step that holds row p. */
function kcOf(k: i32, p: i32): i32 {
  return min(KC, k - (p / KC) * KC);
}

function packedABytes(): usize {
  return <usize>(planMc / MR) * panelBytes(KC);
}

const TILE_BYTES: usize = <usize>(MR * NR * 4);

/** Bytes of scratch each thread needs for this GEMM. */
export function gemmScratchBytes(batch: i32, m: i32, n: i32, k: i32, cLayout: i32, threads: i32): usize {
  makePlan(batch, m, n, cLayout, threads);
  return packedBBytes(k) + packedABytes() + TILE_BYTES;
}

/**
 * Packs columns j0..j0+nc of op(B), rows p0..p1 of k (p0 a multiple of 4), into NR-wide strips,
 * KC rows at a time (see bBlockBytes), zero-padding the last strip.
 * Untransposed B ([k, n]) is read row by row, each row scattered over the strips, so B streams from
 * memory once (strip by strip would re-read a B larger than L2 once per strip). Transposed B
 * ([n, k]) is read 8 rows at a time, each a sequential stream, through 4×4 transposes.
 */
function packB(
  b: usize,
  transB: bool,
  ldb: i32,
  k: i32,
  j0: i32,
  nc: i32,
  dst: usize,
  p0: i32,
  p1: i32,
): void {
  const full = (nc / NR) * NR;
  if (!transB) {
    const pitch = <usize>ldb * 4;
    let src = b + <usize>p0 * pitch + ((<usize>j0) << 2);
    for (let p = p0; p < p1; p++) {
      const strip = stripBytes(kcOf(k, p));
      let o = bRow(dst, p);
      for (let jr = 0; jr < full; jr += NR) {
        for (let q = 0; q < NR; q += 4)
          v128.store(o + <usize>(q * 4), v128.load(src + ((<usize>(jr + q)) << 2)));
        o += strip;
      }
      if (full < nc) {
        for (let j = 0; j < NR; j++) {
          const v: f32 = full + j < nc ? load<f32>(src + ((<usize>(full + j)) << 2)) : 0;
          store<f32>(o + ((<usize>j) << 2), v);
        }
      }
      src += pitch;
    }
    return;
  }
  const pitch = <usize>ldb * 4;
  for (let jr = 0; jr < nc; jr += NR) {
    const nrEff = min(NR, nc - jr);
    const s = <usize>(jr / NR);
    const row = b + <usize>(j0 + jr) * pitch;
    if (nrEff == NR) {
      // Four rows never straddle a k step: KC is a multiple of 4.
      const k4 = min(p1, k & ~3);
      for (let p = p0; p < k4; p += 4) {
        const src = row + ((<usize>p) << 2);
        const o = bRow(dst, p) + s * stripBytes(kcOf(k, p));
        for (let q = 0; q < NR; q += 4) {
          transpose4(src + <usize>q * pitch, pitch, o + <usize>(q * 4), NR * 4);
        }
      }
      for (let p = max(p0, k4); p < p1; p++) {
        const o = bRow(dst, p) + s * stripBytes(kcOf(k, p));
        for (let j = 0; j < NR; j++)
          store<f32>(o + ((<usize>j) << 2), load<f32>(row + <usize>j * pitch + ((<usize>p) << 2)));
      }
    } else {
      for (let p = p0; p < p1; p++) {
        const o = bRow(dst, p) + s * stripBytes(kcOf(k, p));
        for (let j = 0; j < NR; j++) {
          const v: f32 = j < nrEff ? load<f32>(row + <usize>j * pitch + ((<usize>p) << 2)) : 0;
          store<f32>(o + ((<usize>j) << 2), v);
        }
      }
    }
  }
}

/** Reads 4 rows × 4 floats at src (row pitch in bytes) and writes them as 4 columns, `step` bytes apart. */
function transpose4(src: usize, pitch: usize, dst: usize, step: usize): void {
  const r0 = v128.load(src);
  const r1 = v128.load(src + pitch);
  const r2 = v128.load(src + 2 * pitch);
  const r3 = v128.load(src + 3 * pitch);
  const t0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5);
  const t1 = i32x4.shuffle(r0, r1, 2, 6, 3, 7);
  const t2 = i32x4.shuffle(r2, r3, 0, 4, 1, 5);
  const t3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
  v128.store(dst, i32x4.shuffle(t0, t2, 0, 1, 4, 5));
  v128.store(dst + step, i32x4.shuffle(t0, t2, 2, 3, 6, 7));
  v128.store(dst + 2 * step, i32x4.shuffle(t1, t3, 0, 1, 4, 5));
  v128.store(dst + 3 * step, i32x4.shuffle(t1, t3, 2, 3, 6, 7));
}

/**
 * Packs rows i0..i0+mc, k columns p0..p0+kc of a transposed A ([k, m]) into MR-row panels: each
 * stored row of A is read once, sequentially, and spread over the panels.
 */
function packATransposed(a: usize, lda: i32, i0: i32, mc: i32, p0: i32, kc: i32, dst: usize): void {
  const pitch = <usize>lda * 4;
  const panel = panelBytes(kc);
  const full = (mc / MR) * MR;
  let src = a + <usize>p0 * pitch + ((<usize>i0) << 2);
  for (let p = 0; p < kc; p++) {
    let o = dst + <usize>(p * MR * A_BYTES);
    let ir = 0;
    if (MR == 3 && A_SPLAT) {
      // Four panels' values at a time: three vector loads, each lane splat by a shuffle (a scalar
      // load and a splat per value cost half as much again).
      for (; ir + 12 <= full; ir += 12) {
        const s = src + ((<usize>ir) << 2);
        const v0 = v128.load(s);
        const v1 = v128.load(s, 16);
        const v2 = v128.load(s, 32);
        Splat.three(o, v0, 0, v0, 1, v0, 2);
        o += panel;
        Splat.three(o, v0, 3, v1, 0, v1, 1);
        o += panel;
        Splat.three(o, v1, 2, v1, 3, v2, 0);
        o += panel;
        Splat.three(o, v2, 1, v2, 2, v2, 3);
        o += panel;
      }
    }
    for (; ir < full; ir += MR) {
      if (MR == 4 && !A_SPLAT) {
        v128.store(o, v128.load(src + ((<usize>ir) << 2)));
      } else {
        for (let r = 0; r < MR; r++) putA(o, r, load<f32>(src + ((<usize>(ir + r)) << 2)));
      }
      o += panel;
    }
    if (full < mc) {
      for (let r = 0; r < MR; r++)
        putA(o, r, full + r < mc ? load<f32>(src + ((<usize>(full + r)) << 2)) : 0);
    }
    src += pitch;
  }
}

/**
 * Packs rows i0..i0+mc, k columns p0..p0+kc of a row-major A into MR-row panels, zero-padding the
 * last: MR rows are read side by side, 4 floats each, through 4×4 transposes.
 */
function packARows(a: usize, lda: i32, i0: i32, mc: i32, p0: i32, kc: i32, dst: usize): void {
  const pitch = <usize>lda * 4;
  const panel = panelBytes(kc);
  const k4 = kc & ~3;
  for (let ir = 0; ir < mc; ir += MR) {
    const rows = min(MR, mc - ir);
    const src = a + <usize>(i0 + ir) * pitch + ((<usize>p0) << 2);
    const out = dst + <usize>(ir / MR) * panel;
    const fullFrom = MR == 4 && !A_SPLAT && rows == MR ? k4 : 0;
    for (let p = 0; p < fullFrom; p += 4) {
      transpose4(src + ((<usize>p) << 2), pitch, out + <usize>(p * MR * 4), MR * 4);
    }
    let from = fullFrom;
    if (MR == 3 && A_SPLAT && rows == MR) {
      // Four k steps at a time: a vector load per row, each lane splat by a shuffle.
      for (; from + 4 <= kc; from += 4) {
        const s = src + ((<usize>from) << 2);
        const r0 = v128.load(s);
        const r1 = v128.load(s + pitch);
        const r2 = v128.load(s + 2 * pitch);
        const o = out + <usize>(from * MR * A_BYTES);
        Splat.three(o, r0, 0, r1, 0, r2, 0);
        Splat.three(o + 48, r0, 1, r1, 1, r2, 1);
        Splat.three(o + 96, r0, 2, r1, 2, r2, 2);
        Splat.three(o + 144, r0, 3, r1, 3, r2, 3);
      }
    }
    for (let p = from; p < kc; p++) {
      const o = out + <usize>(p * MR * A_BYTES);
      for (let r = 0; r < MR; r++)
        putA(o, r, r < rows ? load<f32>(src + <usize>r * pitch + ((<usize>p) << 2)) : 0);
    }
  }
}

/** Splat stores of packed A's values. A class for `@inline` (see madd.ts). */
class Splat {
  /** Lane `l` of `v` in all four lanes (V8: one pshufd). */
  @inline static lane(v: v128, l: i32): v128 {
    if (l == 0) return i32x4.shuffle(v, v, 0, 0, 0, 0);
    if (l == 1) return i32x4.shuffle(v, v, 1, 1, 1, 1);
    if (l == 2) return i32x4.shuffle(v, v, 2, 2, 2, 2);
    return i32x4.shuffle(v, v, 3, 3, 3, 3);
  }

  /** One k step of a 3-row splat panel from three given lanes. */
  @inline static three(o: usize, x: v128, lx: i32, y: v128, ly: i32, z: v128, lz: i32): void {
    v128.store(o, Splat.lane(x, lx));
    v128.store(o, Splat.lane(y, ly), 16);
    v128.store(o, Splat.lane(z, lz), 32);
  }
}

/** Stores row r's value of one k step of a packed A panel (4 copies of it where A_SPLAT). */
function putA(o: usize, r: i32, v: f32): void {
  if (A_SPLAT) v128.store(o + <usize>(r * 16), f32x4.splat(v));
  else store<f32>(o + ((<usize>r) << 2), v);
}

/** Rows of B per task of a shared packing (a multiple of 4, see packB). */
const PACK_ROWS: i32 = 256;

/** Bytes of the shared packed B of a one-matrix GEMM: every column panel, all of k. */
export function gemmSharedBBytes(m: i32, n: i32, k: i32, threads: i32): usize {
  makePlan(1, m, n, C_DISJOINT, threads);
  return <usize>planNb * packedBBytes(k);
}

/**
 * Packs all of op(B) of a one-matrix GEMM once, all threads sharing the work, for a gemm job to read
 * (its `prepacked` argument). Worth it when k is large and m small (a weight gradient: k = tokens):
 * every thread would otherwise pack the whole of B for its own few rows of C.
 * Job arguments: m, n, k, transB, b, ldb, dst.
 */
export function gemmPackBJob(job: usize): void {
  const m = argI(job, 0);
  const n = argI(job, 1);
  const k = argI(job, 2);
  const transB = argI(job, 3) != 0;
  const b = argP(job, 4);
  const ldb = argI(job, 5);
  const dst = argP(job, 6);
  makePlan(1, m, n, C_DISJOINT, jobThreads(job));
  const rowBlocks = (k + PACK_ROWS - 1) / PACK_ROWS;
  const tasks = planNb * rowBlocks;
  const panel = packedBBytes(k);
  for (let t = claimTask(job); t < tasks; t = claimTask(job)) {
    const jb = t / rowBlocks;
    const p0 = (t % rowBlocks) * PACK_ROWS;
    const j0 = jb * planNc;
    packB(b, transB, ldb, k, j0, min(planNc, n - j0), dst + <usize>jb * panel, p0, min(k, p0 + PACK_ROWS));
  }
}

/**
 * Job arguments: batch, m, n, k, transA, transB, a, aStride, b, bStride, c, cStride, alpha, beta,
 * scratch, scratchStride, bias (0: none; n floats added to every row of every C, with the first k
 * step), lda, ldb, ldc, group, aGroupStride, bGroupStride, cGroupStride, cLayout, prepacked (0, or
 * op(B) packed by gemmPackBJob for a one-matrix GEMM). Matrix i of an
 * operand starts at ⌊i / group⌋·groupStride + (i mod group)·stride. Pointers are byte addresses
 * (offsets already added), strides are elements.
 */
export function gemmJob(job: usize, thread: i32): void {
  const batch = argI(job, 0);
  const m = argI(job, 1);
  const n = argI(job, 2);
  const k = argI(job, 3);
  const transA = argI(job, 4) != 0;
  const transB = argI(job, 5) != 0;
  const a = argP(job, 6);
  const aStride = <usize>argI(job, 7) * 4;
  const b = argP(job, 8);
  const bStride = <usize>argI(job, 9) * 4;
  const c = argP(job, 10);
  const cStride = <usize>argI(job, 11) * 4;
  const alpha = argF(job, 12);
  const beta = argF(job, 13);
  const scratch = argP(job, 14) + <usize>thread * argP(job, 15);
  const bias = argP(job, 16);
  const lda = argI(job, 17);
  const ldb = argI(job, 18);
  const ldcElems = argI(job, 19);
  const group = argI(job, 20);
  const aGroupStride = <usize>argI(job, 21) * 4;
  const bGroupStride = <usize>argI(job, 22) * 4;
  const cGroupStride = <usize>argI(job, 23) * 4;
  const cLayout = argI(job, 24);
  const prepacked = argP(job, 25);
  const callId = jobCallId(job);

  makePlan(batch, m, n, cLayout, jobThreads(job));
  const packedB = scratch;
  const packedA = packedB + packedBBytes(k);
  const tile = packedA + packedABytes();
  const tasks = planGroups * planNb * planMb;
  const ldc = <usize>ldcElems * 4;
  const sameB = bStride == 0 && bGroupStride == 0;
  let bPanels = packedB;

  for (let t = claimTask(job); t < tasks; t = claimTask(job)) {
    const ib = t % planMb;
    const jb = (t / planMb) % planNb;
    const g = t / (planMb * planNb);
    const i0 = ib * planMc;
    const mc = min(planMc, m - i0);
    const j0 = jb * planNc;
    const nc = min(planNc, n - j0);
    const bFirst = planSeqBatch ? 0 : g;
    const bLast = planSeqBatch ? batch : g + 1;
    for (let bi = bFirst; bi < bLast; bi++) {
      const gi = <usize>(bi / group);
      const ii = <usize>(bi % group);
      const aB = a + gi * aGroupStride + ii * aStride;
      const bB = b + gi * bGroupStride + ii * bStride;
      const cB = c + gi * cGroupStride + ii * cStride;
      const bKey = sameB ? 0 : bi;
      if (prepacked != 0) {
        bPanels = prepacked + <usize>jb * packedBBytes(k);
      } else if (cachedCall != callId || cachedB != bKey || cachedJb != jb) {
        packB(bB, transB, ldb, k, j0, nc, packedB, 0, k);
        cachedCall = callId;
        cachedB = bKey;
        cachedJb = jb;
      }
      for (let p0 = 0; p0 < k; p0 += KC) {
        const kc = min(KC, k - p0);
        const strip = stripBytes(kc);
        const bBlock = bRow(bPanels, p0);
        const betaStep: f32 = p0 == 0 ? beta : 1;
        const biasStep: usize = p0 == 0 ? bias : 0;
        if (transA) packATransposed(aB, lda, i0, mc, p0, kc, packedA);
        else packARows(aB, lda, i0, mc, p0, kc, packedA);
        for (let ir = 0; ir < mc; ir += MR) {
          const mrEff = min(MR, mc - ir);
          const ap = packedA + <usize>(ir / MR) * panelBytes(kc);
          for (let jr = 0; jr < nc; jr += NR) {
            const nrEff = min(NR, nc - jr);
            const bPanel = bBlock + <usize>(jr / NR) * strip;
            const cp = cB + <usize>(i0 + ir) * ldc + ((<usize>(j0 + jr)) << 2);
            const bp: usize = biasStep != 0 ? biasStep + ((<usize>(j0 + jr)) << 2) : 0;
            if (mrEff == MR && nrEff == NR) {
              Tile.kernel(ap, bPanel, cp, ldc, kc, alpha, betaStep, bp);
            } else {
              Tile.kernel(ap, bPanel, tile, NR * 4, kc, 1, 0, 0);
              for (let r = 0; r < mrEff; r++) {
                for (let j = 0; j < nrEff; j++) {
                  const dst = cp + <usize>r * ldc + ((<usize>j) << 2);
                  let v = alpha * load<f32>(tile + <usize>((r * NR + j) << 2));
                  if (bp != 0) v += load<f32>(bp + ((<usize>j) << 2));
                  store<f32>(dst, betaStep == 0 ? v : v + betaStep * load<f32>(dst));
                }
              }
            }
          }
        }
      }
    }
  }
}
