/**
 * A format-neutral state dict: tensor names (Hugging Face's) to float32 data and a shape. The readers
 * (safetensors, PyTorch zip/pickle) produce it and the writers take it; nothing here knows about models.
 */

/** Element types a checkpoint may store. Everything is converted to float32 on read. */
export type TensorDtype =
  'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U64' | 'U32' | 'U16' | 'U8' | 'BOOL';

export interface TensorEntry {
  shape: number[];
  /** Row-major (contiguous) values, converted to float32 whatever the file stored. */
  data: Float32Array;
  /**
   * What the file stored; absent means F32. Integer and boolean tensors are buffers, not weights (for
   * instance BERT's `embeddings.position_ids`, stored as I64): they stay readable, and `isWeight` tells a
   * model loader to skip them.
   */
  dtype?: TensorDtype;
}

export type StateDict = Map<string, TensorEntry>;

const FLOAT_DTYPES: ReadonlySet<TensorDtype> = new Set(['F64', 'F32', 'F16', 'BF16']);

/** True for floating-point tensors (weights and biases); false for integer and boolean buffers. */
export function isWeight(entry: TensorEntry): boolean {
  return entry.dtype === undefined || FLOAT_DTYPES.has(entry.dtype);
}

/** The same state dict without its integer and boolean buffers. */
export function weightsOnly(state: StateDict): StateDict {
  return new Map([...state].filter(([, entry]) => isWeight(entry)));
}

export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
