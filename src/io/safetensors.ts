import { readFileSync } from 'node:fs';
import { UserError } from '../errors.js';
import { writeFileAtomic } from './atomic-write.js';
import { parseSafetensors, serializeSafetensors, type SafetensorsContents } from './safetensors-format.js';
import type { StateDict } from './state-dict.js';

export { MAX_HEADER_BYTES, parseSafetensors, serializeSafetensors } from './safetensors-format.js';
export type { SafetensorsContents } from './safetensors-format.js';

/**
 * Reads a safetensors file (or its bytes). The layout: an 8-byte little-endian header length N, N bytes
 * of JSON (`name → {dtype, shape, data_offsets}` plus an optional `__metadata__`), then the data region,
 * which the tensors must cover exactly and without overlap. F16/BF16/F64 and integer tensors become
 * float32; integer ones keep their dtype so that loaders can skip them.
 *
 * @param name How error messages name the data (by default the path, or "the safetensors data" for bytes).
 */
export function readSafetensors(source: Uint8Array | string, name?: string): SafetensorsContents {
  let bytes: Uint8Array;
  let label: string;
  if (typeof source === 'string') {
    // The whole path: "model.safetensors is not valid" would not say which of several.
    label = name ?? source;
    bytes = readWholeFile(source, label);
  } else {
    label = name ?? 'the safetensors data';
    bytes = source;
  }
  return parseSafetensors(bytes, label);
}

function readWholeFile(path: string, label: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const named = label !== path;
    if (code === 'ENOENT') {
      throw new UserError(
        named ? `Cannot read ${label}: there is no file at ${path}.` : `There is no file at ${path}.`,
      );
    }
    if (code === 'EISDIR') {
      throw new UserError(`${named ? `Cannot read ${label}: ` : ''}${path} is a folder, not a file.`);
    }
    throw error;
  }
}

/** Writes a state dict as safetensors, atomically (temporary file, then rename). */
export function writeSafetensors(path: string, state: StateDict, metadata?: Record<string, string>): void {
  writeFileAtomic(path, serializeSafetensors(state, metadata));
}
