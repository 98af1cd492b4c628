import yauzl from 'yauzl';
import { UserError } from '../errors.js';

/**
 * Read-only access to a zip archive held in memory, with the defences an untrusted archive needs: entry
 * names that climb out of the archive (`..`, absolute paths) are refused, and so are archives whose
 * declared contents exceed a size budget or whose entries inflate suspiciously (zip bombs). yauzl checks
 * that no entry inflates beyond its declared size, so the declared sizes bound the real ones.
 */

export interface ZipLimits {
  /** The most bytes all entries together may declare once uncompressed. */
  maxTotalBytes: number;
  /** The largest uncompressed/compressed ratio allowed for an entry bigger than `ratioFloorBytes`. */
  maxRatio: number;
  ratioFloorBytes: number;
}

const DEFAULT_ZIP_LIMITS: ZipLimits = {
  maxTotalBytes: 8 * 1024 ** 3,
  maxRatio: 100,
  ratioFloorBytes: 1024 ** 2,
};

interface ZipEntryInfo {
  name: string;
  size: number;
  entry: yauzl.Entry;
}

export class ZipArchive {
  private constructor(
    private readonly zip: yauzl.ZipFile,
    private readonly buffer: Buffer,
    private readonly label: string,
    private readonly entries: Map<string, ZipEntryInfo>,
  ) {}

  /** Reads the central directory and validates every entry's name and sizes. */
  static async open(bytes: Uint8Array, label: string, limits: Partial<ZipLimits> = {}): Promise<ZipArchive> {
    const { maxTotalBytes, maxRatio, ratioFloorBytes } = { ...DEFAULT_ZIP_LIMITS, ...limits };
    const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const fail = (why: string): never => {
      throw new UserError(`${label} is not a readable zip archive: ${why}.`);
    };
    const zip = await new Promise<yauzl.ZipFile>((resolve, reject) => {
      // decodeStrings off: names arrive as raw bytes and are validated here, with our own messages.
      yauzl.fromBuffer(
        buffer,
        { lazyEntries: true, decodeStrings: false, validateEntrySizes: true },
        (error, file) => (error ? reject(error) : resolve(file)),
      );
    }).catch((error: unknown) => fail(describe(error)));

    const rawEntries = await new Promise<yauzl.Entry[]>((resolve, reject) => {
      const found: yauzl.Entry[] = [];
      zip.on('entry', (entry: yauzl.Entry) => {
        found.push(entry);
        zip.readEntry();
      });
      zip.on('end', () => resolve(found));
      // Stays attached: yauzl may report more than one error, and an unheard 'error' event would crash.
      zip.on('error', reject);
      zip.readEntry();
    }).catch((error: unknown) => fail(describe(error)));

    const entries = new Map<string, ZipEntryInfo>();
    let total = 0;
    for (const entry of rawEntries) {
      const name = decodeName(entry.fileName as unknown as Buffer);
      if (isUnsafeName(name)) {
        throw new UserError(
          `${label} contains an entry named ${JSON.stringify(name)}, which points outside the archive; refusing to load it.`,
        );
      }
      if (name.endsWith('/')) continue;
      if (entries.has(name)) fail(`it holds two entries named ${JSON.stringify(name)}`);
      const size = entry.uncompressedSize;
      total += size;
      if (total > maxTotalBytes) {
        throw new UserError(
          `${label} would unpack to more than ${maxTotalBytes} bytes, beyond the limit for a checkpoint; refusing to load it.`,
        );
      }
      if (size > ratioFloorBytes && size > maxRatio * Math.max(entry.compressedSize, 1)) {
        throw new UserError(
          `${label} has an entry ${JSON.stringify(name)} that inflates ${Math.round(size / Math.max(entry.compressedSize, 1))}-fold, which looks like a zip bomb; refusing to load it.`,
        );
      }
      entries.set(name, { name, size, entry });
    }
    return new ZipArchive(zip, buffer, label, entries);
  }

  names(): string[] {
    return [...this.entries.keys()];
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** The declared uncompressed size, or undefined for a missing entry. */
  size(name: string): number | undefined {
    return this.entries.get(name)?.size;
  }

  /** An entry's bytes (a view into the archive when it is stored uncompressed, as torch.save does). */
  async read(name: string): Promise<Uint8Array> {
    const info = this.entries.get(name);
    if (!info) throw new UserError(`${this.label} has no entry named ${JSON.stringify(name)}.`);
    const { entry } = info;
    const fail = (error: unknown): never => {
      throw new UserError(`${this.label} has a damaged entry ${JSON.stringify(name)}: ${describe(error)}.`);
    };
    if (entry.isEncrypted()) fail('it is encrypted');
    if (entry.compressionMethod === 0) {
      const start = await new Promise<number>((resolve, reject) => {
        this.zip.readLocalFileHeader(entry, { minimal: true }, (error, header) =>
          error ? reject(error) : resolve(header.fileDataStart),
        );
      }).catch(fail);
      if (start + entry.compressedSize > this.buffer.length)
        fail('its data runs past the end of the archive');
      return this.buffer.subarray(start, start + entry.compressedSize);
    }
    if (entry.compressionMethod !== 8) fail(`it uses compression method ${entry.compressionMethod}`);
    return new Promise<Uint8Array>((resolve, reject) => {
      this.zip.openReadStream(entry, (error, stream) => {
        if (error) return reject(error);
        const chunks: Buffer[] = [];
        let length = 0;
        stream.on('data', (chunk: Buffer) => {
          length += chunk.length;
          // yauzl stops an entry at its declared size; this is a second guard on the same bound.
          if (length > info.size) {
            stream.destroy();
            reject(new Error(`it inflates beyond its declared ${info.size} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        stream.on('error', reject);
        stream.on('end', () => {
          const out = Buffer.concat(chunks, length);
          if (length !== info.size)
            reject(new Error(`it inflates to ${length} bytes, not the declared ${info.size}`));
          else resolve(out);
        });
      });
    }).catch(fail);
  }
}

function decodeName(raw: Buffer): string {
  return new TextDecoder('utf-8').decode(raw);
}

function isUnsafeName(name: string): boolean {
  return (
    name.startsWith('/') ||
    name.includes('\\') ||
    name.includes('\0') ||
    /^[a-zA-Z]:/.test(name) ||
    name.split('/').includes('..')
  );
}

/** yauzl's message, cut to its first sentence so that ours stays one sentence. */
function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split(/\.(\s|$)/)[0]!.trim();
}
