export function addReference(a: Float32Array, b: Float32Array, y: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) y[i] = a[i] + b[i];
}
