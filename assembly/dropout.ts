// Inverted dropout with a counter-based mask: element i is kept when hash(seed0, seed1, i) >>> 8 is
// at least the threshold. The hash (two rounds of lowbias32, see src/kernels/reference/dropout.ts)
// runs four lanes at a time, so the mask costs a few vector operations per element and is never
// stored: the backward draws it again from the same seeds.

import { argF, argI, chunkSize, claimTask, jobThreads, argP } from './job';

class H {
  @inline static mix(v: v128): v128 {
    let x = v128.xor(v, i32x4.shr_u(v, 16));
    x = i32x4.mul(x, i32x4.splat(0x7feb352d));
    x = v128.xor(x, i32x4.shr_u(x, 15));
    x = i32x4.mul(x, i32x4.splat(<i32>0x846ca68b));
    return v128.xor(x, i32x4.shr_u(x, 16));
  }

  /** All-ones lanes where the element is kept. */
  @inline static keep(index: v128, s0: v128, s1: v128, threshold: v128): v128 {
    const h = H.mix(v128.xor(H.mix(i32x4.add(index, s0)), s1));
    // h >>> 8 < 2^24, so a signed compare is exact.
    return i32x4.ge_s(i32x4.shr_u(h, 8), threshold);
  }
}

/** Job arguments: n, x, y, seed0, seed1, threshold, scale, accumulate. */
export function dropoutJob(job: usize): void {
  const n = argI(job, 0);
  const x = argP(job, 1);
  const y = argP(job, 2);
  const s0 = i32x4.splat(argI(job, 3));
  const s1 = i32x4.splat(argI(job, 4));
  const threshold = i32x4.splat(argI(job, 5));
  const scale = f32x4.splat(argF(job, 6));
  const accumulate = argI(job, 7) != 0;
  const chunk = chunkSize(n, jobThreads(job), 16384, 16);
  for (let t = claimTask(job); t * chunk < n; t = claimTask(job)) {
    const start = t * chunk;
    const end = min(n, start + chunk);
    let idx = i32x4(start, start + 1, start + 2, start + 3);
    const four = i32x4.splat(4);
    let i = start;
    for (; i + 4 <= end; i += 4) {
      const o = (<usize>i) << 2;
      const kept = v128.and(f32x4.mul(v128.load(x + o), scale), H.keep(idx, s0, s1, threshold));
      v128.store(y + o, accumulate ? f32x4.add(v128.load(y + o), kept) : kept);
      idx = i32x4.add(idx, four);
    }
    if (i < end) {
      const mask = H.keep(idx, s0, s1, threshold);
      for (let j = 0; i < end; i++, j++) {
        const o = (<usize>i) << 2;
        const keep =
          (j == 0
            ? i32x4.extract_lane(mask, 0)
            : j == 1
              ? i32x4.extract_lane(mask, 1)
              : i32x4.extract_lane(mask, 2)) != 0;
        const v: f32 = keep ? load<f32>(x + o) * f32x4.extract_lane(scale, 0) : 0;
        store<f32>(y + o, accumulate ? load<f32>(y + o) + v : v);
      }
    }
  }
}
