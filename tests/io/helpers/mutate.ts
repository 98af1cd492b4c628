import fc from 'fast-check';

/**
 * One edit of a byte string; a few of them turn a valid file into a nearly valid one, which reaches
 * deeper into a parser than random bytes do. Positions are fractions of the current length, so an edit
 * fits any input.
 */
export interface ByteEdit {
  kind: 'set' | 'flip' | 'truncate' | 'insert' | 'delete' | 'extreme';
  pos: number;
  arg: number;
  bytes: Uint8Array;
}

export const byteEdit: fc.Arbitrary<ByteEdit> = fc.record({
  kind: fc.constantFrom<ByteEdit['kind']>(
    'set',
    'set',
    'flip',
    'truncate',
    'insert',
    'delete',
    'extreme',
    'extreme',
  ),
  // Unbiased: fast-check's default bias would put nearly every edit at byte 0.
  pos: fc.noBias(fc.integer({ min: 0, max: 999_999 })).map((n) => n / 1_000_000),
  arg: fc.nat(255),
  bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }),
});

export const byteEdits = fc.array(byteEdit, { minLength: 1, maxLength: 6 });

export function applyEdits(input: Uint8Array, edits: readonly ByteEdit[]): Uint8Array {
  let bytes = Uint8Array.from(input);
  for (const edit of edits) {
    const at = Math.floor(edit.pos * bytes.length);
    switch (edit.kind) {
      case 'set':
        if (at < bytes.length) bytes[at] = edit.arg;
        break;
      case 'flip':
        if (at < bytes.length) bytes[at]! ^= 1 << (edit.arg % 8);
        break;
      case 'truncate':
        bytes = bytes.slice(0, at);
        break;
      case 'insert':
        bytes = Uint8Array.from([...bytes.subarray(0, at), ...edit.bytes, ...bytes.subarray(at)]);
        break;
      case 'delete':
        bytes = Uint8Array.from([...bytes.subarray(0, at), ...bytes.subarray(at + 1 + (edit.arg % 8))]);
        break;
      case 'extreme': {
        // Length, count and offset fields are where parsers break: overwrite one with 0, all ones, or
        // the largest signed value (little-endian).
        const width = [1, 2, 4, 8][edit.arg % 4]!;
        const style = Math.floor(edit.arg / 4) % 3;
        for (let i = 0; i < width && at + i < bytes.length; i++) {
          bytes[at + i] = style === 0 ? 0 : style === 1 || i < width - 1 ? 0xff : 0x7f;
        }
        break;
      }
    }
  }
  return bytes;
}
