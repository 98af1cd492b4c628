// Softmax over the last axis (with an optional additive bias row per group of rows, the attention
// mask), and its backward. Each row is three passes: add bias and find the max, exponentiate and
// sum, scale. A row chunk is one task.

import { argI, argP, chunkSize, claimTask, jobThreads } from './job';
import { V } from './math';

/** Job arguments: rows, cols, x, y, bias (0: none), rowsPerBias. */
export function softmaxJob(job: usize): void {
  const rows = argI(job, 0);
  const cols = argI(job, 1);
  const x = argP(job, 2);
  const y = argP(job, 3);
  const bias = argP(job, 4);
  const rowsPerBias = argI(job, 5);
  const chunk = chunkSize(rows, jobThreads(job), max(1, 8192 / max(cols, 1)), 1);
  const pitch = (<usize>cols) << 2;
  const c4 = cols & ~3;
  const tail = cols - c4;
  for (let t = claimTask(job); t * chunk < rows; t = claimTask(job)) {
    const end = min(rows, (t + 1) * chunk);
    for (let r = t * chunk; r < end; r++) {
      const xr = x + <usize>r * pitch;
      const yr = y + <usize>r * pitch;
      const br = bias != 0 ? bias + <usize>(r / rowsPerBias) * pitch : 0;
      // pmax(m, v) is \`m < v ? v : m\`, one instruction (f32x4.max's NaN rules cost eight) and the
      // reference's own rule: a NaN never becomes the max, and still turns the row to NaN below.
      let vmax = f32x4.splat(-Infinity);
      for (let c = 0; c < c4; c += 4) {
        const o = (<usize>c) << 2;
        let v = v128.load(xr + o);
        if (br != 0) v = f32x4.add(v, v128.load(br + o));
        v128.store(yr + o, v);
        vmax = f32x4.pmax(vmax, v);
      }
      if (tail > 0) {
        const o = (<usize>c4) << 2;
        let v = V.loadPartial(xr + o, tail, -Infinity);
        if (br != 0) v = f32x4.add(v, V.loadPartial(br + o, tail, 0));
        V.storePartial(yr + o, v, tail);
        vmax = f32x4.pmax(vmax, v);
      }
      const m = f32x4.splat(V.hmax(vmax));
      let vsum = f32x4.splat(0);
      let c = 0;
      // Four independent exponentials per step, for the reason given in gelu.ts.
      if (c4 >= 16) {
        let s1 = f32x4.splat(0);
        let s2 = s1;
        let s3 = s1;
        for (; c + 16 <= c4; c += 16) {
          const o = (<usize>c) << 2;
          const e0 = V.exp(f32x4.sub(v128.load(yr + o), m));
          const e1 = V.exp(f32x4.sub(v128.load(yr + o, 16), m));
          const e2 = V.exp(f32x4.sub(v128.load(yr + o, 32), m));
          const e3 = V.exp(f32x4.sub(v128.load(yr + o, 48), m));
          v128.store(yr + o, e0);
          v128.store(yr + o, e1, 16);
          v128.store(yr + o, e2, 32);
          v128.store(yr + o, e3, 48);
          vsum = f32x4.add(vsum, e0);
          s1 = f32x4.add(s1, e1);
          s2 = f32x4.add(s2, e2);
          s3 = f32x4.add(s3, e3);
        }
        vsum = f32x4.add(f32x4.add(vsum, s1), f32x4.add(s2, s3));
      }
      for (; c < c4; c += 4) {
        const o = (<usize>c) << 2;
        const e = V.exp(f32x4.sub(v128.load(yr + o), m));
        v128.store(yr + o, e);
        vsum = f32x4.add(vsum, e);
      }
      if (tail > 0) {
        const o = (<usize>c4) << 2;
        // Padding lanes hold -inf, whose exp is exactly 0.
        const e = V.exp(f32x4.sub(V.loadPartial(yr + o, tail, -Infinity), m));
        V.storePartial(yr + o, e, tail);
        vsum = f32x4.add(vsum, e);
      }
      const inv = f32x4.splat(1 / V.hsum(vsum));
      for (let c = 0; c < c4; c += 4) {
        const o = (<usize>c) << 2;
        v128.store(yr + o, f32x4.mul(v128.load(yr + o), inv));
      }
      for (let c = c4; c < cols; c++) {
        const o = (<usize>c) << 2;
        store<f32>(yr + o, load<f32>(yr + o) * f32x4.extract_lane(inv, 0));
      }
    }
  }
}

/** Job arguments: y, dy, dx, rows, cols, accumulate. dx (+)= y ⊙ (dy − Σ dy⊙y) per row. */
export function softmaxBackwardJob(job: usize): void {
  const y = argP(job, 0);
  const dy = argP(job, 1);
  const dx = argP(job, 2);
  const rows = argI(job, 3);
  const cols = argI(job, 4);
  const acc = argI(job, 5) != 0;
  const chunk = chunkSize(rows, jobThreads(job), max(1, 8192 / max(cols, 1)), 1);
  const pitch = (<usize>cols) << 2;
  const c4 = cols & ~3;
  for (let t = claimTask(job); t * chunk < rows; t = claimTask(job)) {
    const end = min(rows, (t + 1) * chunk);
    for (let r = t * chunk; r < end; r++) {
      const o = <usize>r * pitch;
      const yr = y + o;
      const dyr = dy + o;
      const dxr = dx + o;
      let vdot = f32x4.splat(0);
      for (let c = 0; c < c4; c += 4) {
        const q = (<usize>c) << 2;
        vdot = f32x4.add(vdot, f32x4.mul(v128.load(dyr + q), v128.load(yr + q)));
      }
      let dot = V.hsum(vdot);
      for (let c = c4; c < cols; c++) {
        const q = (<usize>c) << 2;
        dot += load<f32>(dyr + q) * load<f32>(yr + q);
      }
      const vd = f32x4.splat(dot);
      for (let c = 0; c < c4; c += 4) {
        const q = (<usize>c) << 2;
        const g = f32x4.mul(v128.load(yr + q), f32x4.sub(v128.load(dyr + q), vd));
        v128.store(dxr + q, acc ? f32x4.add(v128.load(dxr + q), g) : g);
      }
      for (let c = c4; c < cols; c++) {
        const q = (<usize>c) << 2;
        const g = load<f32>(yr + q) * (load<f32>(dyr + q) - dot);
        store<f32>(dxr + q, acc ? load<f32>(dxr + q) + g : g);
      }
    }
  }
}
