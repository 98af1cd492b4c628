export function embeddingReference(
  ids: Int32Array,
  table: Float32Array,
  out: Float32Array,
  count: number,
  dim: number,
): void {
  for (let i = 0; i < count; i++) {
    const src = ids[i] * dim;
    out.set(table.subarray(src, src + dim), i * dim);
  }
}

export function embeddingBackwardReference(
  ids: Int32Array,
  dOut: Float32Array,
  dTable: Float32Array,
  count: number,
  dim: number,
): void {
  for (let i = 0; i < count; i++) {
    const dst = ids[i] * dim;
    const src = i * dim;
    for (let d = 0; d < dim; d++) dTable[dst + d] += dOut[src + d];
  }
}
