// Fused AdamW step (torch.optim.AdamW's order: decoupled decay, moments, bias-corrected update).

import { argF, argI, argP, chunkSize, claimTask, jobThreads } from './job';

/**
 * Job arguments: n, param, grad, m, v, decay (1 − lr·wd), beta1, 1 − beta1, beta2, 1 − beta2,
 * stepSize (lr / (1 − beta1^t)), bc2Sqrt (√(1 − beta2^t)), eps.
 */
export function adamwJob(job: usize): void {
  const n = argI(job, 0);
  const param = argP(job, 1);
  const grad = argP(job, 2);
  const mom = argP(job, 3);
  const vel = argP(job, 4);
  const decay = argF(job, 5);
  const beta1 = argF(job, 6);
  const oneMinusBeta1 = argF(job, 7);
  const beta2 = argF(job, 8);
  const oneMinusBeta2 = argF(job, 9);
  const stepSize = argF(job, 10);
  const bc2Sqrt = argF(job, 11);
  const eps = argF(job, 12);
  const vDecay = f32x4.splat(decay);
  const vB1 = f32x4.splat(beta1);
  const vOB1 = f32x4.splat(oneMinusBeta1);
  const vB2 = f32x4.splat(beta2);
  const vOB2 = f32x4.splat(oneMinusBeta2);
  const vStep = f32x4.splat(stepSize);
  const vBc2 = f32x4.splat(bc2Sqrt);
  const vEps = f32x4.splat(eps);
  const chunk = chunkSize(n, jobThreads(job), 16384, 4);
  for (let t = claimTask(job); t * chunk < n; t = claimTask(job)) {
    const start = t * chunk;
    const end = min(n, start + chunk);
    let i = start;
    for (; i + 4 <= end; i += 4) {
      const o = (<usize>i) << 2;
      const g = v128.load(grad + o);
      const p = f32x4.mul(v128.load(param + o), vDecay);
      const m = f32x4.add(f32x4.mul(vB1, v128.load(mom + o)), f32x4.mul(vOB1, g));
      const v = f32x4.add(f32x4.mul(vB2, v128.load(vel + o)), f32x4.mul(f32x4.mul(vOB2, g), g));
      const denom = f32x4.add(f32x4.div(f32x4.sqrt(v), vBc2), vEps);
      v128.store(param + o, f32x4.sub(p, f32x4.div(f32x4.mul(vStep, m), denom)));
      v128.store(mom + o, m);
      v128.store(vel + o, v);
    }
    for (; i < end; i++) {
      const o = (<usize>i) << 2;
      const g = load<f32>(grad + o);
      const p = load<f32>(param + o) * decay;
      const m = beta1 * load<f32>(mom + o) + oneMinusBeta1 * g;
      const v = beta2 * load<f32>(vel + o) + oneMinusBeta2 * g * g;
      const denom = Mathf.sqrt(v) / bc2Sqrt + eps;
      store<f32>(param + o, p - (stepSize * m) / denom);
      store<f32>(mom + o, m);
      store<f32>(vel + o, v);
    }
  }
}
