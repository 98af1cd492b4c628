import type { AdamWSpec } from '../kernels.js';

/** torch.optim.AdamW's update order: decay, moments, bias-corrected step. */
export function adamwReference(s: AdamWSpec): void {
  const { param, grad, m, v, lr, beta1, beta2, eps, weightDecay, step } = s;
  const bc1 = 1 - Math.pow(beta1, step);
  const bc2 = 1 - Math.pow(beta2, step);
  const stepSize = lr / bc1;
  const bc2Sqrt = Math.sqrt(bc2);
  const decay = 1 - lr * weightDecay;
  for (let i = 0; i < s.n; i++) {
    const g = grad[i];
    param[i] *= decay;
    m[i] = beta1 * m[i] + (1 - beta1) * g;
    v[i] = beta2 * v[i] + (1 - beta2) * g * g;
    const denom = Math.sqrt(v[i]) / bc2Sqrt + eps;
    param[i] -= (stepSize * m[i]) / denom;
  }
}
