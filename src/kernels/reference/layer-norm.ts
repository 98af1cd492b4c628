import type { LayerNormBackwardSpec, LayerNormSpec } from '../kernels.js';

/** Biased variance, as torch.nn.LayerNorm. */
export function layerNormReference(s: LayerNormSpec): void {
  const { rows, cols, x, gamma, beta, y } = s;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let mean = 0;
    for (let c = 0; c < cols; c++) mean += x[o + c];
    mean /= cols;
    let variance = 0;
    for (let c = 0; c < cols; c++) {
      const d = x[o + c] - mean;
      variance += d * d;
    }
    variance /= cols;
    const rstd = 1 / Math.sqrt(variance + s.eps);
    s.mean[r] = mean;
    s.rstd[r] = rstd;
    for (let c = 0; c < cols; c++) y[o + c] = (x[o + c] - mean) * rstd * gamma[c] + beta[c];
  }
}

export function layerNormBackwardReference(s: LayerNormBackwardSpec): void {
  const { rows, cols, x, gamma, dy, dx, dgamma, dbeta } = s;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    const mean = s.mean[r];
    const rstd = s.rstd[r];
    let sumG = 0;
    let sumGX = 0;
    for (let c = 0; c < cols; c++) {
      const xhat = (x[o + c] - mean) * rstd;
      const g = dy[o + c] * gamma[c];
      sumG += g;
      sumGX += g * xhat;
      if (dgamma) dgamma[c] += dy[o + c] * xhat;
      if (dbeta) dbeta[c] += dy[o + c];
    }
    if (dx) {
      for (let c = 0; c < cols; c++) {
        const xhat = (x[o + c] - mean) * rstd;
        const g = dy[o + c] * gamma[c];
        const d = rstd * (g - sumG / cols - (xhat * sumGX) / cols);
        dx[o + c] = s.dxAccumulate === false ? d : dx[o + c] + d;
      }
    }
  }
}
