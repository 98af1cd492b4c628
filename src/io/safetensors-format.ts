import { UserError } from '../errors.js';
import { DTYPE_SIZE, decodeToFloat32, isTensorDtype } from './dtype.js';
import { elementCount, type StateDict, type TensorDtype } from './state-dict.js';

// The safetensors format over bytes, in Node and in a browser; safetensors.ts reads and writes files.

/** The official library's bound: a longer header is refused before any of it is parsed. */
export const MAX_HEADER_BYTES = 100_000_000;

export interface SafetensorsContents {
  tensors: StateDict;
  /** The header's `__metadata__` (string to string), empty when absent. */
  metadata: Record<string, string>;
}

const utf8 = new TextEncoder();

interface HeaderEntry {
  name: string;
  dtype: TensorDtype;
  shape: number[];
  begin: number;
  end: number;
}

export function parseSafetensors(bytes: Uint8Array, label: string): SafetensorsContents {
  const fail = (why: string): never => {
    throw new UserError(`${label} is not a valid safetensors file: ${why}.`);
  };
  if (bytes.byteLength < 8)
    fail(`it is ${bytes.byteLength} bytes long, shorter than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(MAX_HEADER_BYTES)) {
    fail(`its header claims ${headerLength} bytes, more than the limit of ${MAX_HEADER_BYTES}`);
  }
  const n = Number(headerLength);
  if (8 + n > bytes.byteLength) {
    fail(`its header claims ${n} bytes but only ${bytes.byteLength - 8} follow the length`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    return fail('its header is not valid UTF-8');
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (error) {
    return fail(`its header is not valid JSON (${(error as Error).message})`);
  }
  if (!isPlainObject(header)) return fail('its header is not a JSON object');

  const dataStart = 8 + n;
  const dataLength = bytes.byteLength - dataStart;
  const metadata: Record<string, string> = {};
  const entries: HeaderEntry[] = [];
  for (const [key, value] of Object.entries(header)) {
    if (key === '__metadata__') {
      if (value === null) continue;
      if (!isPlainObject(value)) fail('its __metadata__ is not an object of strings');
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(`its __metadata__ entry "${k}" is not a string`);
        metadata[k] = v as string;
      }
      continue;
    }
    entries.push(parseEntry(key, value, dataLength, fail));
  }

  // The spec asks for a contiguous data region: sorted by offset, each tensor starts where the last ended.
  const byOffset = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  for (const entry of byOffset) {
    if (entry.begin < cursor) fail(`tensor "${entry.name}" overlaps another tensor's bytes`);
    if (entry.begin > cursor)
      fail(`bytes ${cursor} to ${entry.begin} of the data region belong to no tensor`);
    cursor = entry.end;
  }
  if (cursor !== dataLength) {
    fail(`the tensors cover ${cursor} bytes but the data region holds ${dataLength}`);
  }

  const tensors: StateDict = new Map();
  for (const entry of entries) {
    const count = elementCount(entry.shape);
    const data = decodeToFloat32(
      bytes.subarray(dataStart + entry.begin, dataStart + entry.end),
      entry.dtype,
      count,
    );
    tensors.set(
      entry.name,
      entry.dtype === 'F32' ? { shape: entry.shape, data } : { shape: entry.shape, data, dtype: entry.dtype },
    );
  }
  return { tensors, metadata };
}

function parseEntry(
  name: string,
  value: unknown,
  dataLength: number,
  fail: (why: string) => never,
): HeaderEntry {
  const what = `tensor "${name}"`;
  if (!isPlainObject(value)) return fail(`the header entry of ${what} is not an object`);
  const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
  if (typeof dtype !== 'string') return fail(`${what} has no dtype`);
  if (!isTensorDtype(dtype))
    return fail(`${what} has dtype ${JSON.stringify(dtype)}, which LoRA Lab cannot read`);
  if (!Array.isArray(shape) || !shape.every(isNonNegativeInteger)) {
    return fail(`${what} has a shape that is not a list of non-negative integers`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isNonNegativeInteger)) {
    return fail(`${what} has data_offsets that are not two non-negative integers`);
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end) return fail(`${what} has data_offsets [${begin}, ${end}] that run backwards`);
  if (end > dataLength) {
    return fail(`${what} has data_offsets [${begin}, ${end}] beyond the ${dataLength} bytes of data`);
  }
  const count = elementCount(shape as number[]);
  const expected = count * DTYPE_SIZE[dtype];
  if (expected !== end - begin) {
    fail(
      `${what} of shape [${shape.join(', ')}] and dtype ${dtype} needs ${expected} bytes but its offsets span ${end - begin}`,
    );
  }
  return { name, dtype, shape: [...(shape as number[])], begin, end };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNonNegativeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/**
 * Serialises a state dict as the official library does: tensors ordered by dtype (wider first: I64
 * before F32), then by name; the header lists `__metadata__` first, then tensors in data order; spaces pad
 * the header so that the data starts on an 8-byte boundary. Float tensors are written as F32; integer
 * buffers (dtype I64, I32, …) as I64.
 */
export function serializeSafetensors(state: StateDict, metadata?: Record<string, string>): Uint8Array {
  const items = [...state].map(([name, entry]) => {
    const count = elementCount(entry.shape);
    if (count !== entry.data.length) {
      throw new Error(
        `Tensor ${name} has ${entry.data.length} values but shape [${entry.shape.join(', ')}].`,
      );
    }
    const dtype: 'F32' | 'I64' = entry.dtype === undefined || isFloatDtype(entry.dtype) ? 'F32' : 'I64';
    return { name, entry, dtype, nameBytes: utf8.encode(name) };
  });
  items.sort((a, b) =>
    a.dtype === b.dtype ? compareBytes(a.nameBytes, b.nameBytes) : a.dtype === 'I64' ? -1 : 1,
  );

  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) {
    const sorted: Record<string, string> = {};
    for (const key of Object.keys(metadata).sort()) sorted[key] = metadata[key]!;
    header.__metadata__ = sorted;
  }
  let offset = 0;
  for (const { name, entry, dtype } of items) {
    const length = entry.data.length * DTYPE_SIZE[dtype];
    // defineProperty: a tensor named "__proto__" must become a key, not the object's prototype.
    Object.defineProperty(header, name, {
      value: { dtype, shape: entry.shape, data_offsets: [offset, offset + length] },
      enumerable: true,
      writable: true,
      configurable: true,
    });
    offset += length;
  }
  const text = utf8.encode(JSON.stringify(header));
  const json = new Uint8Array(text.length + ((8 - (text.length % 8)) % 8)).fill(0x20);
  json.set(text);

  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let position = 8 + json.length;
  for (const { entry, dtype } of items) {
    if (dtype === 'F32') {
      out.set(new Uint8Array(entry.data.buffer, entry.data.byteOffset, entry.data.byteLength), position);
      position += entry.data.byteLength;
    } else {
      const ints = new BigInt64Array(entry.data.length);
      for (let i = 0; i < ints.length; i++) {
        const v = entry.data[i]!;
        ints[i] = Number.isFinite(v) ? BigInt(Math.trunc(v)) : 0n;
      }
      out.set(new Uint8Array(ints.buffer), position);
      position += ints.byteLength;
    }
  }
  return out;
}

function isFloatDtype(dtype: TensorDtype): boolean {
  return dtype === 'F32' || dtype === 'F16' || dtype === 'BF16' || dtype === 'F64';
}

/** Byte order (as Buffer.compare): the official library sorts names by their bytes. */
function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}
