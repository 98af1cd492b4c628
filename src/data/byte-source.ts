import { closeSync, createReadStream, openSync, readSync, type ReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { UserError } from '../errors.js';

/** A file's bytes, decompressed when the file is gzip (whatever its name says). */
export interface ByteSource extends AsyncIterable<Buffer> {
  /** How far into the file on disk the reading is: compressed bytes for a gzip file, for progress. */
  fileBytesRead(): number;
  destroy(): void;
}

/** gzip's two magic bytes: a file that starts with them is decompressed, a `.gz` that does not is read as is. */
export function isGzip(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(2);
    return readSync(fd, head, 0, 2, 0) === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    closeSync(fd);
  }
}

export function openBytes(path: string, chunkBytes: number): ByteSource {
  const raw: ReadStream = createReadStream(path, { highWaterMark: chunkBytes });
  if (!isGzip(path)) return wrap(raw, raw, raw);
  const gunzip = createGunzip({ chunkSize: chunkBytes });
  raw.on('error', (error) => gunzip.destroy(error));
  return wrap(raw.pipe(gunzip), raw, gunzip, path);
}

function wrap(stream: Readable, raw: ReadStream, last: Readable, gzipPath?: string): ByteSource {
  return {
    fileBytesRead: () => raw.bytesRead,
    destroy: () => {
      raw.destroy();
      last.destroy();
    },
    async *[Symbol.asyncIterator]() {
      try {
        for await (const chunk of stream) yield chunk as Buffer;
      } catch (error) {
        // zlib's own messages ("unexpected end of file") name no file; a cut-off download is common.
        if (gzipPath !== undefined && (error as { code?: string }).code?.startsWith('Z_')) {
          throw new UserError(
            `${gzipPath} is a damaged or truncated gzip file: ${(error as Error).message}.`,
          );
        }
        throw error;
      }
    },
  };
}
