// Element-wise sum of two arrays, y = a + b: residual connections in the forward, and gradients
// accumulated into a buffer (y = a) in the backward. Memory-bound; the point of having it here is
// that the arrays already live in wasm memory, and two threads stream them at twice the rate.

import { argI, argP, chunkSize, claimTask, jobThreads } from './job';
import { V } from './math';

/** Job arguments: a, b, y, n. y may be a or b. */
export function addJob(job: usize): void {
  const a = argP(job, 0);
  const b = argP(job, 1);
  const y = argP(job, 2);
  const n = argI(job, 3);
  const chunk = chunkSize(n, jobThreads(job), 16384, 16);
  for (let t = claimTask(job); t * chunk < n; t = claimTask(job)) {
    const start = t * chunk;
    const end = min(n, start + chunk);
    let i = start;
    for (; i + 16 <= end; i += 16) {
      const o = (<usize>i) << 2;
      const s0 = f32x4.add(v128.load(a + o), v128.load(b + o));
      const s1 = f32x4.add(v128.load(a + o, 16), v128.load(b + o, 16));
      const s2 = f32x4.add(v128.load(a + o, 32), v128.load(b + o, 32));
      const s3 = f32x4.add(v128.load(a + o, 48), v128.load(b + o, 48));
      v128.store(y + o, s0);
      v128.store(y + o, s1, 16);
      v128.store(y + o, s2, 32);
      v128.store(y + o, s3, 48);
    }
    for (; i + 4 <= end; i += 4) {
      const o = (<usize>i) << 2;
      v128.store(y + o, f32x4.add(v128.load(a + o), v128.load(b + o)));
    }
    if (i < end) {
      const o = (<usize>i) << 2;
      const c = end - i;
      V.storePartial(y + o, f32x4.add(V.loadPartial(a + o, c, 0), V.loadPartial(b + o, c, 0)), c);
    }
  }
}
