import { UserError } from '../errors.js';
import { countByte, findInvalidUtf8, incompleteTailLength } from './utf8.js';

/**
 * Decodes a byte stream as strict UTF-8 (TextDecoder with fatal: true), never splitting a character
 * between chunks, dropping a leading byte-order mark, and naming the byte offset and line of the
 * first invalid sequence.
 */
export async function* decodeUtf8Chunks(
  source: AsyncIterable<Uint8Array>,
  path: string,
  totalBytes: number,
  onProgress?: (bytesRead: number, totalBytes: number) => void,
): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  let carry: Uint8Array = new Uint8Array(0);
  let offset = 0; // file offset of carry[0]
  let newlines = 0; // '\n' bytes before `offset`
  let bytesRead = 0;
  let first = true;
  for await (const chunk of source) {
    bytesRead += chunk.length;
    let bytes: Uint8Array = carry.length > 0 ? concat(carry, chunk) : chunk;
    if (first) {
      if (bytes.length < 3 && bytesRead < totalBytes) {
        carry = bytes;
        continue;
      }
      first = false;
      if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
        bytes = bytes.subarray(3);
        offset += 3;
      }
    }
    const cut = bytes.length - incompleteTailLength(bytes);
    const piece = bytes.subarray(0, cut);
    yield decodePiece(decoder, piece, path, offset, newlines);
    newlines += countByte(piece, 0x0a);
    offset += cut;
    carry = bytes.slice(cut);
    onProgress?.(bytesRead, totalBytes);
  }
  if (carry.length > 0) {
    if (first && carry[0] === 0xef && carry[1] === 0xbb && carry[2] === 0xbf) return;
    yield decodePiece(decoder, carry, path, offset, newlines);
  }
}

function decodePiece(
  decoder: InstanceType<typeof TextDecoder>,
  piece: Uint8Array,
  path: string,
  offset: number,
  newlines: number,
): string {
  try {
    return decoder.decode(piece);
  } catch {
    const at = findInvalidUtf8(piece);
    const index = at === -1 ? piece.length - 1 : at;
    const line = newlines + countByte(piece, 0x0a, index) + 1;
    const byte = piece[index].toString(16).toUpperCase().padStart(2, '0');
    throw new UserError(
      `${path} is not valid UTF-8: byte 0x${byte} at offset ${offset + index} (line ${line}) is not part of a UTF-8 character; re-save the file as UTF-8.`,
    );
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
