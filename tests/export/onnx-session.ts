import * as ort from 'onnxruntime-node';

/** An int64 [rows, length] tensor of whole numbers, as the exported graph's inputs are. */
export function int64Tensor(rows: readonly (readonly number[])[]): ort.Tensor {
  const length = rows[0].length;
  return new ort.Tensor('int64', BigInt64Array.from(rows.flat().map((v) => BigInt(v))), [
    rows.length,
    length,
  ]);
}

/** Loads ONNX bytes into onnxruntime-node (CPU, one thread, every graph optimisation, as transformers.js does). */
export async function onnxSession(bytes: Uint8Array): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(bytes, {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  });
}

export interface BatchRows {
  input_ids: number[][];
  attention_mask: number[][];
  token_type_ids?: number[][] | null;
}

/** The logits [rows × labels] of a batch, fed to exactly the inputs the session declares. */
export async function onnxLogits(session: ort.InferenceSession, batch: BatchRows): Promise<Float32Array> {
  const feeds: Record<string, ort.Tensor> = {};
  for (const name of session.inputNames) {
    const rows =
      name === 'token_type_ids'
        ? (batch.token_type_ids ?? batch.input_ids.map((r) => r.map(() => 0)))
        : batch[name as 'input_ids' | 'attention_mask'];
    feeds[name] = int64Tensor(rows);
  }
  const out = await session.run(feeds);
  return out.logits.data as Float32Array;
}

export function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} and ${b.length}`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

/** The arg-max of each row of logits [rows × labels]. */
export function topLabels(logits: ArrayLike<number>, labels: number): number[] {
  const rows = logits.length / labels;
  return Array.from({ length: rows }, (_, r) => {
    let best = 0;
    for (let j = 1; j < labels; j++) if (logits[r * labels + j] > logits[r * labels + best]) best = j;
    return best;
  });
}

/** A ModelProto's opset imports as {domain, version}, the default domain as '' however it was encoded. */
export function opsets(model: {
  opset_import: { domain?: string; version: number }[];
}): { domain: string; version: number }[] {
  return model.opset_import.map((o) => ({ domain: o.domain ?? '', version: Number(o.version) }));
}
