// Layer normalisation over the last axis (biased variance, as torch.nn.LayerNorm) and its backward.

import { argF, argI, argP, chunkSize, claimTask, jobThreads } from './job';
import { V } from './math';

/** Job arguments: rows, cols, eps, x, gamma, beta, y, mean, rstd. */
export function layerNormJob(job: usize): void {
  const rows = argI(job, 0);
  const cols = argI(job, 1);
  const eps = argF(job, 2);
  const x = argP(job, 3);
  const gamma = argP(job, 4);
  const beta = argP(job, 5);
  const y = argP(job, 6);
  const meanOut = argP(job, 7);
  const rstdOut = argP(job, 8);
  const chunk = chunkSize(rows, jobThreads(job), max(1, 8192 / max(cols, 1)), 1);
  const pitch = (<usize>cols) << 2;
  const c4 = cols & ~3;
  const invCols: f32 = 1 / <f32>cols;
  for (let t = claimTask(job); t * chunk < rows; t = claimTask(job)) {
    const end = min(rows, (t + 1) * chunk);
    for (let r = t * chunk; r < end; r++) {
      const xr = x + <usize>r * pitch;
      const yr = y + <usize>r * pitch;
      let vs = f32x4.splat(0);
      for (let c = 0; c < c4; c += 4) vs = f32x4.add(vs, v128.load(xr + ((<usize>c) << 2)));
      let sum = V.hsum(vs);
      for (let c = c4; c < cols; c++) sum += load<f32>(xr + ((<usize>c) << 2));
      const mean = sum * invCols;
      const vm = f32x4.splat(mean);
      // Two passes: Σ(x − mean)² does not cancel the way Σx² − n·mean² does.
      let vv = f32x4.splat(0);
      for (let c = 0; c < c4; c += 4) {
        const d = f32x4.sub(v128.load(xr + ((<usize>c) << 2)), vm);
        vv = f32x4.add(vv, f32x4.mul(d, d));
      }
      let variance = V.hsum(vv);
      for (let c = c4; c < cols; c++) {
        const d = load<f32>(xr + ((<usize>c) << 2)) - mean;
        variance += d * d;
      }
      const rstd: f32 = 1 / Mathf.sqrt(variance * invCols + eps);
      store<f32>(meanOut + ((<usize>r) << 2), mean);
      store<f32>(rstdOut + ((<usize>r) << 2), rstd);
      const vr = f32x4.splat(rstd);
      for (let c = 0; c < c4; c += 4) {
        const o = (<usize>c) << 2;
        const xhat = f32x4.mul(f32x4.sub(v128.load(xr + o), vm), vr);
        v128.store(yr + o, f32x4.add(f32x4.mul(xhat, v128.load(gamma + o)), v128.load(beta + o)));
      }
      for (let c = c4; c < cols; c++) {
        const o = (<usize>c) << 2;
        const xhat = (load<f32>(xr + o) - mean) * rstd;
        store<f32>(yr + o, xhat * load<f32>(gamma + o) + load<f32>(beta + o));
      }
    }
  }
}

/** Columns per dgamma/dbeta task: 16 floats is one cache line of each row. */
const GRAD_COLS: i32 = 16;

/**
 * Job arguments: rows, cols, x, gamma, mean, rstd, dy, dx, dgamma, dbeta (the last three 0 when not
 * wanted; all accumulate, but dx is overwritten when dxAccumulate is 0), dxAccumulate. Tasks first cover rows for dx, then column strips for dgamma and dbeta:
 * each strip runs down all rows itself, so no two threads add into the same element and the sums do
 * not depend on the thread count.
 */
export function layerNormBackwardJob(job: usize): void {
  const rows = argI(job, 0);
  const cols = argI(job, 1);
  const x = argP(job, 2);
  const gamma = argP(job, 3);
  const meanIn = argP(job, 4);
  const rstdIn = argP(job, 5);
  const dy = argP(job, 6);
  const dx = argP(job, 7);
  const dgamma = argP(job, 8);
  const dbeta = argP(job, 9);
  const acc = argI(job, 10) != 0;
  const chunk = chunkSize(rows, jobThreads(job), max(1, 8192 / max(cols, 1)), 1);
  const rowTasks = dx != 0 ? (rows + chunk - 1) / chunk : 0;
  const colTasks = dgamma != 0 || dbeta != 0 ? (cols + GRAD_COLS - 1) / GRAD_COLS : 0;
  const pitch = (<usize>cols) << 2;
  const c4 = cols & ~3;
  const invCols: f32 = 1 / <f32>cols;
  for (let t = claimTask(job); t < rowTasks + colTasks; t = claimTask(job)) {
    if (t < rowTasks) {
      const end = min(rows, (t + 1) * chunk);
      for (let r = t * chunk; r < end; r++) {
        const o = <usize>r * pitch;
        const xr = x + o;
        const dyr = dy + o;
        const dxr = dx + o;
        const mean = load<f32>(meanIn + ((<usize>r) << 2));
        const rstd = load<f32>(rstdIn + ((<usize>r) << 2));
        const vm = f32x4.splat(mean);
        const vr = f32x4.splat(rstd);
        let vg = f32x4.splat(0);
        let vgx = f32x4.splat(0);
        for (let c = 0; c < c4; c += 4) {
          const q = (<usize>c) << 2;
          const xhat = f32x4.mul(f32x4.sub(v128.load(xr + q), vm), vr);
          const g = f32x4.mul(v128.load(dyr + q), v128.load(gamma + q));
          vg = f32x4.add(vg, g);
          vgx = f32x4.add(vgx, f32x4.mul(g, xhat));
        }
        let sumG = V.hsum(vg);
        let sumGX = V.hsum(vgx);
        for (let c = c4; c < cols; c++) {
          const q = (<usize>c) << 2;
          const xhat = (load<f32>(xr + q) - mean) * rstd;
          const g = load<f32>(dyr + q) * load<f32>(gamma + q);
          sumG += g;
          sumGX += g * xhat;
        }
        const meanG = sumG * invCols;
        const meanGX = sumGX * invCols;
        const vmg = f32x4.splat(meanG);
        const vmgx = f32x4.splat(meanGX);
        for (let c = 0; c < c4; c += 4) {
          const q = (<usize>c) << 2;
          const xhat = f32x4.mul(f32x4.sub(v128.load(xr + q), vm), vr);
          const g = f32x4.mul(v128.load(dyr + q), v128.load(gamma + q));
          const d = f32x4.mul(vr, f32x4.sub(f32x4.sub(g, vmg), f32x4.mul(xhat, vmgx)));
          v128.store(dxr + q, acc ? f32x4.add(v128.load(dxr + q), d) : d);
        }
        for (let c = c4; c < cols; c++) {
          const q = (<usize>c) << 2;
          const xhat = (load<f32>(xr + q) - mean) * rstd;
          const g = load<f32>(dyr + q) * load<f32>(gamma + q);
          const d = rstd * (g - meanG - xhat * meanGX);
          store<f32>(dxr + q, acc ? load<f32>(dxr + q) + d : d);
        }
      }
    } else {
      const c0 = (t - rowTasks) * GRAD_COLS;
      const c1 = min(cols, c0 + GRAD_COLS);
      gradStrip(rows, pitch, c0, c1, x, meanIn, rstdIn, dy, dgamma, dbeta);
    }
  }
}

/** dgamma[c0..c1) += Σ_r dy·xhat, dbeta[c0..c1) += Σ_r dy, four columns at a time. */
function gradStrip(
  rows: i32,
  pitch: usize,
  c0: i32,
  c1: i32,
  x: usize,
  meanIn: usize,
  rstdIn: usize,
  dy: usize,
  dgamma: usize,
  dbeta: usize,
): void {
  let c = c0;
  if (c1 - c0 == 16) {
    // A whole strip in one pass down the rows: each row contributes one full cache line.
    let g0 = f32x4.splat(0);
    let g1 = g0;
    let g2 = g0;
    let g3 = g0;
    let b0 = g0;
    let b1 = g0;
    let b2 = g0;
    let b3 = g0;
    const q = (<usize>c0) << 2;
    for (let r = 0; r < rows; r++) {
      const o = <usize>r * pitch + q;
      const vm = v128.load32_splat(meanIn + ((<usize>r) << 2));
      const vr = v128.load32_splat(rstdIn + ((<usize>r) << 2));
      let d = v128.load(dy + o);
      g0 = f32x4.add(g0, f32x4.mul(d, f32x4.mul(f32x4.sub(v128.load(x + o), vm), vr)));
      b0 = f32x4.add(b0, d);
      d = v128.load(dy + o, 16);
      g1 = f32x4.add(g1, f32x4.mul(d, f32x4.mul(f32x4.sub(v128.load(x + o, 16), vm), vr)));
      b1 = f32x4.add(b1, d);
      d = v128.load(dy + o, 32);
      g2 = f32x4.add(g2, f32x4.mul(d, f32x4.mul(f32x4.sub(v128.load(x + o, 32), vm), vr)));
      b2 = f32x4.add(b2, d);
      d = v128.load(dy + o, 48);
      g3 = f32x4.add(g3, f32x4.mul(d, f32x4.mul(f32x4.sub(v128.load(x + o, 48), vm), vr)));
      b3 = f32x4.add(b3, d);
    }
    if (dgamma != 0) {
      v128.store(dgamma + q, f32x4.add(v128.load(dgamma + q), g0));
      v128.store(dgamma + q, f32x4.add(v128.load(dgamma + q, 16), g1), 16);
      v128.store(dgamma + q, f32x4.add(v128.load(dgamma + q, 32), g2), 32);
      v128.store(dgamma + q, f32x4.add(v128.load(dgamma + q, 48), g3), 48);
    }
    if (dbeta != 0) {
      v128.store(dbeta + q, f32x4.add(v128.load(dbeta + q), b0));
      v128.store(dbeta + q, f32x4.add(v128.load(dbeta + q, 16), b1), 16);
      v128.store(dbeta + q, f32x4.add(v128.load(dbeta + q, 32), b2), 32);
      v128.store(dbeta + q, f32x4.add(v128.load(dbeta + q, 48), b3), 48);
    }
    return;
  }
  for (; c < c1; c += 4) {
    const width = min(4, c1 - c);
    const q = (<usize>c) << 2;
    let sg = f32x4.splat(0);
    let sb = f32x4.splat(0);
    for (let r = 0; r < rows; r++) {
      const o = <usize>r * pitch + q;
      const vm = v128.load32_splat(meanIn + ((<usize>r) << 2));
      const vr = v128.load32_splat(rstdIn + ((<usize>r) << 2));
      const vx = width == 4 ? v128.load(x + o) : V.loadPartial(x + o, width, 0);
      const vdy = width == 4 ? v128.load(dy + o) : V.loadPartial(dy + o, width, 0);
      sg = f32x4.add(sg, f32x4.mul(vdy, f32x4.mul(f32x4.sub(vx, vm), vr)));
      sb = f32x4.add(sb, vdy);
    }
    if (dgamma != 0) {
      if (width == 4) v128.store(dgamma + q, f32x4.add(v128.load(dgamma + q), sg));
      else V.storePartial(dgamma + q, f32x4.add(V.loadPartial(dgamma + q, width, 0), sg), width);
    }
    if (dbeta != 0) {
      if (width == 4) v128.store(dbeta + q, f32x4.add(v128.load(dbeta + q), sb));
      else V.storePartial(dbeta + q, f32x4.add(V.loadPartial(dbeta + q, width, 0), sb), width);
    }
  }
}
