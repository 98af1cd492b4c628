// Embedding gather and its scatter-add backward.

import { argI, argP, chunkSize, claimTask, jobThreads } from './job';

/** Job arguments: ids, table, out, count, dim. out[i, :] = table[ids[i], :] (ids already checked). */
export function embeddingJob(job: usize): void {
  const ids = argP(job, 0);
  const table = argP(job, 1);
  const out = argP(job, 2);
  const count = argI(job, 3);
  const dim = argI(job, 4);
  const pitch = (<usize>dim) << 2;
  const chunk = chunkSize(count, jobThreads(job), max(1, 8192 / max(dim, 1)), 1);
  for (let t = claimTask(job); t * chunk < count; t = claimTask(job)) {
    const end = min(count, (t + 1) * chunk);
    for (let i = t * chunk; i < end; i++) {
      const id = load<i32>(ids + ((<usize>i) << 2));
      memory.copy(out + <usize>i * pitch, table + <usize>id * pitch, pitch);
    }
  }
}

/**
 * Job arguments: ids, dOut, dTable, count, dim. dTable[ids[i], :] += dOut[i, :]. Repeated ids would
 * race if rows were split between threads, so a task is a strip of columns and walks every id.
 */
export function embeddingBackwardJob(job: usize): void {
  const ids = argP(job, 0);
  const dOut = argP(job, 1);
  const dTable = argP(job, 2);
  const count = argI(job, 3);
  const dim = argI(job, 4);
  const pitch = (<usize>dim) << 2;
  const chunk = chunkSize(dim, jobThreads(job), 16, 4);
  for (let t = claimTask(job); t * chunk < dim; t = claimTask(job)) {
    const d0 = t * chunk;
    const d1 = min(dim, d0 + chunk);
    const v1 = d0 + ((d1 - d0) & ~3);
    for (let i = 0; i < count; i++) {
      const src = dOut + <usize>i * pitch;
      const dst = dTable + <usize>load<i32>(ids + ((<usize>i) << 2)) * pitch;
      for (let d = d0; d < v1; d += 4) {
        const o = (<usize>d) << 2;
        v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
      }
      for (let d = v1; d < d1; d++) {
        const o = (<usize>d) << 2;
        store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o));
      }
    }
  }
}
