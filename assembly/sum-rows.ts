// Column sums of a [rows, cols] array: a bias's gradient is the sum of the output gradient's rows.
//
// Rows are cut into fixed blocks of BLOCK_ROWS, whatever the thread count; each block's sums go to
// its own row of a partials array, which the caller adds up block by block. Every sum is therefore
// taken in the same order on one thread or many. Within a block, each 16-column stripe is summed down
// the rows in four registers (L1 holds the stripe's cache lines between rows).

import { argI, argP, claimTask } from './job';
import { V } from './math';

export const SUM_ROWS_BLOCK: i32 = 128;

/** Job arguments: x, rows, cols, partials ([⌈rows / SUM_ROWS_BLOCK⌉, cols], overwritten). */
export function sumRowsJob(job: usize): void {
  const x = argP(job, 0);
  const rows = argI(job, 1);
  const cols = argI(job, 2);
  const partials = argP(job, 3);
  const blocks = (rows + SUM_ROWS_BLOCK - 1) / SUM_ROWS_BLOCK;
  const pitch = (<usize>cols) << 2;
  for (let t = claimTask(job); t < blocks; t = claimTask(job)) {
    const r0 = t * SUM_ROWS_BLOCK;
    const r1 = min(rows, r0 + SUM_ROWS_BLOCK);
    const out = partials + <usize>t * pitch;
    let j = 0;
    for (; j + 16 <= cols; j += 16) {
      let s0 = f32x4.splat(0);
      let s1 = s0;
      let s2 = s0;
      let s3 = s0;
      let p = x + <usize>r0 * pitch + ((<usize>j) << 2);
      for (let r = r0; r < r1; r++) {
        s0 = f32x4.add(s0, v128.load(p));
        s1 = f32x4.add(s1, v128.load(p, 16));
        s2 = f32x4.add(s2, v128.load(p, 32));
        s3 = f32x4.add(s3, v128.load(p, 48));
        p += pitch;
      }
      const o = out + ((<usize>j) << 2);
      v128.store(o, s0);
      v128.store(o, s1, 16);
      v128.store(o, s2, 32);
      v128.store(o, s3, 48);
    }
    for (; j < cols; j += 4) {
      const c = min(4, cols - j);
      let s = f32x4.splat(0);
      let p = x + <usize>r0 * pitch + ((<usize>j) << 2);
      for (let r = r0; r < r1; r++) {
        s = f32x4.add(s, c == 4 ? v128.load(p) : V.loadPartial(p, c, 0));
        p += pitch;
      }
      const o = out + ((<usize>j) << 2);
      if (c == 4) v128.store(o, s);
      else V.storePartial(o, s, c);
    }
  }
}
