import type { TensorDtype } from './state-dict.js';

/** Bytes per element of each dtype we can read. */
export const DTYPE_SIZE: Readonly<Record<TensorDtype, number>> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U64: 8,
  U32: 4,
  U16: 2,
  U8: 1,
  BOOL: 1,
};

export function isTensorDtype(value: string): value is TensorDtype {
  return Object.prototype.hasOwnProperty.call(DTYPE_SIZE, value);
}

const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Converts `count` elements of `dtype` starting at `bytes[0]` to float32. The bytes are little-endian
 * unless `bigEndian` is set. `bytes` may sit at any offset: it is copied into an aligned buffer first.
 */
export function decodeToFloat32(
  bytes: Uint8Array,
  dtype: TensorDtype,
  count: number,
  bigEndian = false,
): Float32Array {
  const size = DTYPE_SIZE[dtype];
  const byteLength = count * size;
  if (bytes.byteLength < byteLength)
    throw new RangeError(`need ${byteLength} bytes, have ${bytes.byteLength}`);
  // One aligned copy in host order; every typed-array view below then reads it directly.
  const raw = new Uint8Array(byteLength);
  raw.set(bytes.subarray(0, byteLength));
  if (bigEndian === HOST_IS_LITTLE_ENDIAN && size > 1) swapBytes(raw, size);
  const buffer = raw.buffer;
  switch (dtype) {
    case 'F32':
      return new Float32Array(buffer);
    case 'F64':
      return Float32Array.from(new Float64Array(buffer));
    case 'F16':
      return float16ToFloat32(new Uint16Array(buffer));
    case 'BF16': {
      const out = new Uint32Array(count);
      const src = new Uint16Array(buffer);
      for (let i = 0; i < count; i++) out[i] = src[i]! << 16;
      return new Float32Array(out.buffer);
    }
    case 'I64':
      return bigIntsToFloat32(new BigInt64Array(buffer));
    case 'U64':
      return bigIntsToFloat32(new BigUint64Array(buffer));
    case 'I32':
      return Float32Array.from(new Int32Array(buffer));
    case 'U32':
      return Float32Array.from(new Uint32Array(buffer));
    case 'I16':
      return Float32Array.from(new Int16Array(buffer));
    case 'U16':
      return Float32Array.from(new Uint16Array(buffer));
    case 'I8':
      return Float32Array.from(new Int8Array(buffer));
    case 'U8':
      return Float32Array.from(raw);
    case 'BOOL':
      return Float32Array.from(raw, (b) => (b === 0 ? 0 : 1));
  }
}

function swapBytes(bytes: Uint8Array, size: number): void {
  for (let i = 0; i + size <= bytes.length; i += size) {
    for (let a = i, b = i + size - 1; a < b; a++, b--) {
      const t = bytes[a]!;
      bytes[a] = bytes[b]!;
      bytes[b] = t;
    }
  }
}

function bigIntsToFloat32(values: BigInt64Array | BigUint64Array): Float32Array {
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = Number(values[i]!);
  return out;
}

/** IEEE half to single, exactly (subnormals, infinities and NaN included). */
function float16ToFloat32(halves: Uint16Array): Float32Array {
  const out = new Uint32Array(halves.length);
  for (let i = 0; i < halves.length; i++) {
    const h = halves[i]!;
    const sign = (h & 0x8000) << 16;
    const exponent = (h >> 10) & 0x1f;
    let mantissa = h & 0x3ff;
    if (exponent === 0x1f) {
      out[i] = sign | 0x7f800000 | (mantissa << 13);
    } else if (exponent !== 0) {
      out[i] = sign | ((exponent + 112) << 23) | (mantissa << 13);
    } else if (mantissa === 0) {
      out[i] = sign;
    } else {
      // Subnormal half: normalise the mantissa into a float32 normal.
      let e = 113;
      while ((mantissa & 0x400) === 0) {
        mantissa <<= 1;
        e--;
      }
      out[i] = sign | (e << 23) | ((mantissa & 0x3ff) << 13);
    }
  }
  return new Float32Array(out.buffer);
}
