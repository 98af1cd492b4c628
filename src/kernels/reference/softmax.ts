import type { SoftmaxSpec } from '../kernels.js';

export function softmaxReference(s: SoftmaxSpec): void {
  const { rows, cols, x, y, bias } = s;
  const rowsPerBias = s.rowsPerBias ?? rows;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    const bo = bias ? Math.floor(r / rowsPerBias) * cols : 0;
    let max = -Infinity;
    for (let c = 0; c < cols; c++) {
      const v = x[o + c] + (bias ? bias[bo + c] : 0);
      y[o + c] = v;
      if (v > max) max = v;
    }
    let sum = 0;
    for (let c = 0; c < cols; c++) {
      const e = Math.exp(y[o + c] - max);
      y[o + c] = e;
      sum += e;
    }
    const inv = 1 / sum;
    for (let c = 0; c < cols; c++) y[o + c] *= inv;
  }
}

export function softmaxBackwardReference(
  y: Float32Array,
  dy: Float32Array,
  dx: Float32Array,
  rows: number,
  cols: number,
  accumulate = true,
): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let dot = 0;
    for (let c = 0; c < cols; c++) dot += dy[o + c] * y[o + c];
    for (let c = 0; c < cols; c++) {
      const d = y[o + c] * (dy[o + c] - dot);
      dx[o + c] = accumulate ? dx[o + c] + d : d;
    }
  }
}
