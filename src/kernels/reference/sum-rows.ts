/** Column sums in double precision, four rows per pass over the accumulator. */
export function sumRowsReference(x: Float32Array, rows: number, cols: number, out: Float32Array): void {
  const acc = new Float64Array(cols);
  const n = cols;
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    const o = r * n;
    for (let j = 0; j < n; j++) acc[j] += x[o + j] + x[o + n + j] + (x[o + 2 * n + j] + x[o + 3 * n + j]);
  }
  for (; r < rows; r++) {
    const o = r * n;
    for (let j = 0; j < n; j++) acc[j] += x[o + j];
  }
  for (let j = 0; j < n; j++) out[j] += acc[j];
}
