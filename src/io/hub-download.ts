import { mkdirSync } from 'node:fs';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { SourceUnreachable, UserError } from '../errors.js';

/**
 * Downloads what LoRA Lab needs of a Hugging Face model repository: its config, one weight file
 * (safetensors preferred, else pytorch_model.bin) and its tokenizer files. Each file streams to a
 * temporary name beside its target, its size is checked against every size the server announced, and
 * only then is it renamed into place: an interrupted download never leaves a partial file behind.
 */

const DEFAULT_ENDPOINT = 'https://huggingface.co';

export const WEIGHT_FILES = ['model.safetensors', 'pytorch_model.bin'] as const;
export const TOKENIZER_FILES = [
  'vocab.txt',
  'vocab.json',
  'merges.txt',
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
] as const;

export interface DownloadProgress {
  file: string;
  /** Position of this file in the download, from 0, and how many files there are. */
  fileIndex: number;
  fileCount: number;
  received: number;
  /** The expected size, when the server announced one. */
  total: number | undefined;
  /** True once the file is complete and in place. */
  done: boolean;
}

export interface DownloadOptions {
  /** The folder to write into (created if missing). */
  to: string;
  /** Default: $HF_ENDPOINT, else https://huggingface.co. */
  endpoint?: string;
  revision?: string;
  /** Default: $HF_TOKEN, for private or gated repositories. */
  token?: string;
  onProgress?: (progress: DownloadProgress) => void;
}

export interface DownloadedFile {
  name: string;
  path: string;
  bytes: number;
}

export interface DownloadResult {
  repoId: string;
  revision: string;
  dir: string;
  files: DownloadedFile[];
}

interface RemoteFile {
  name: string;
  /** The size the listing gives, when it gives one. */
  size?: number;
}

export async function downloadModel(repoId: string, options: DownloadOptions): Promise<DownloadResult> {
  const endpoint = normaliseEndpoint(options.endpoint ?? process.env.HF_ENDPOINT ?? DEFAULT_ENDPOINT);
  const revision = options.revision ?? 'main';
  if (!/^[A-Za-z0-9][\w.-]*(\/[A-Za-z0-9][\w.-]*)?$/.test(repoId) || repoId.includes('..')) {
    throw new UserError(
      `"${repoId}" is not a Hugging Face repository id; expected owner/name, like prajjwal1/bert-tiny.`,
    );
  }
  if (revision === '' || /\s/.test(revision)) throw new UserError(`"${revision}" is not a valid revision.`);
  const client = new HubClient(endpoint, repoId, revision, options.token ?? process.env.HF_TOKEN);

  const available = await client.listFiles();
  const plan = chooseFiles(repoId, available);

  mkdirSync(options.to, { recursive: true });
  const files: DownloadedFile[] = [];
  for (const [fileIndex, remote] of plan.entries()) {
    const path = join(options.to, remote.name);
    const bytes = await client.download(remote, path, (received, total, done) =>
      options.onProgress?.({ file: remote.name, fileIndex, fileCount: plan.length, received, total, done }),
    );
    files.push({ name: remote.name, path, bytes });
  }
  return { repoId, revision, dir: options.to, files };
}

function normaliseEndpoint(endpoint: string): string {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new UserError(`The hub endpoint "${endpoint}" is not a URL.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UserError(`The hub endpoint "${endpoint}" is not an http(s) URL.`);
  }
  return endpoint.replace(/\/+$/, '');
}

/** config.json, one weight file, and the tokenizer files the repository has. */
function chooseFiles(repoId: string, available: Map<string, RemoteFile>): RemoteFile[] {
  const config = available.get('config.json');
  if (!config)
    throw new UserError(`Repository ${repoId} has no config.json, so it is not a Transformers model.`);
  const weights = WEIGHT_FILES.map((name) => available.get(name)).find((file) => file !== undefined);
  if (!weights) {
    if (available.has('model.safetensors.index.json') || available.has('pytorch_model.bin.index.json')) {
      throw new UserError(
        `Repository ${repoId} stores its weights in shards, which download-model does not support.`,
      );
    }
    throw new UserError(`Repository ${repoId} has neither model.safetensors nor pytorch_model.bin.`);
  }
  const tokenizer = TOKENIZER_FILES.map((name) => available.get(name)).filter((file) => file !== undefined);
  const bpe = available.has('vocab.json') && available.has('merges.txt');
  if (!available.has('vocab.txt') && !available.has('tokenizer.json') && !bpe) {
    throw new UserError(
      `Repository ${repoId} has no tokenizer.json, vocab.txt or vocab.json with merges.txt, so its tokenizer cannot be built.`,
    );
  }
  return [config, weights, ...tokenizer];
}

class HubClient {
  constructor(
    private readonly endpoint: string,
    private readonly repoId: string,
    private readonly revision: string,
    private readonly token: string | undefined,
  ) {}

  private headers(): Record<string, string> {
    const headers: Record<string, string> = {
      'user-agent': 'lora-lab/0.1',
      // Sizes are checked against Content-Length, which must then count the bytes we receive.
      'accept-encoding': 'identity',
    };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    return headers;
  }

  private fileUrl(name: string): string {
    return `${this.endpoint}/${this.repoId}/resolve/${encodeURIComponent(this.revision)}/${name}`;
  }

  private async request(url: string, method: 'GET' | 'HEAD'): Promise<Response> {
    try {
      return await fetch(url, { method, headers: this.headers(), redirect: 'follow' });
    } catch (error) {
      throw new SourceUnreachable(this.endpoint, networkReason(error));
    }
  }

  private notFound(...responses: Response[]): UserError {
    if (responses.some((response) => response.headers.get('x-error-code') === 'RevisionNotFound')) {
      return new UserError(
        `Revision ${this.revision} of repository ${this.repoId} was not found on ${this.endpoint}.`,
      );
    }
    return new UserError(
      `Repository ${this.repoId} was not found on ${this.endpoint} (check its name; a private or gated one needs HF_TOKEN).`,
    );
  }

  /** The repository's files from the API, or, where the endpoint has no API, by asking for each file. */
  async listFiles(): Promise<Map<string, RemoteFile>> {
    const base = `${this.endpoint}/api/models/${this.repoId}`;
    const url = this.revision === 'main' ? base : `${base}/revision/${encodeURIComponent(this.revision)}`;
    const response = await this.request(url, 'GET');
    if (response.ok) {
      const listed = parseListing(await response.json().catch(() => null));
      if (listed) return listed;
    } else {
      await response.body?.cancel();
    }
    if (!response.ok && (response.status === 401 || response.status === 404)) {
      // Either the repository does not exist or the endpoint (a mirror) has no API: config.json decides.
      const probe = await this.request(this.fileUrl('config.json'), 'HEAD');
      await probe.body?.cancel();
      if (probe.status === 401 || probe.status === 404) {
        throw this.notFound(response, probe);
      }
      if (!probe.ok) throw this.httpError(probe, 'config.json');
    }
    return this.probeFiles();
  }

  private async probeFiles(): Promise<Map<string, RemoteFile>> {
    const found = new Map<string, RemoteFile>();
    for (const name of ['config.json', ...WEIGHT_FILES, ...TOKENIZER_FILES]) {
      const response = await this.request(this.fileUrl(name), 'HEAD');
      await response.body?.cancel();
      if (response.ok) found.set(name, { name });
      else if (response.status !== 404) throw this.httpError(response, name);
    }
    return found;
  }

  private httpError(response: Response, name: string): UserError {
    if (response.status === 401 || response.status === 403) {
      return new UserError(
        `${this.endpoint} refused access to ${name} of ${this.repoId} (HTTP ${response.status}); a private or gated repository needs HF_TOKEN.`,
      );
    }
    if (response.status === 404)
      return new UserError(`${name} was not found in repository ${this.repoId} on ${this.endpoint}.`);
    return new UserError(`${this.endpoint} answered HTTP ${response.status} for ${name} of ${this.repoId}.`);
  }

  /** Streams one file to a temporary name, checks its size, renames it into place; returns its size. */
  async download(
    remote: RemoteFile,
    target: string,
    progress: (received: number, total: number | undefined, done: boolean) => void,
  ): Promise<number> {
    const response = await this.request(this.fileUrl(remote.name), 'GET');
    if (!response.ok) {
      await response.body?.cancel();
      const code = response.headers.get('x-error-code');
      if (code === 'RepositoryNotFound' || code === 'RevisionNotFound') throw this.notFound(response);
      throw this.httpError(response, remote.name);
    }
    const identity = (response.headers.get('content-encoding') ?? 'identity') === 'identity';
    const announced: [string, number][] = [];
    const contentLength = parseSize(response.headers.get('content-length'));
    if (identity && contentLength !== undefined) announced.push(['Content-Length', contentLength]);
    const linked = parseSize(response.headers.get('x-linked-size'));
    if (linked !== undefined) announced.push(['X-Linked-Size', linked]);
    if (remote.size !== undefined) announced.push(['the repository listing', remote.size]);
    const total = announced[0]?.[1];

    const temporary = join(dirname(target), `.${basename(target)}.${process.pid}.${Date.now()}.part`);
    const file = await open(temporary, 'w');
    let received = 0;
    try {
      try {
        if (response.body) {
          for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
            await writeLocal(file, chunk, temporary);
            received += chunk.byteLength;
            progress(received, total, false);
          }
        }
      } catch (error) {
        if (error instanceof UserError) throw error;
        if (total !== undefined && received < total) {
          throw new UserError(
            `The download of ${remote.name} from ${this.endpoint} stopped after ${received} of ${total} bytes (${networkReason(error)}); run the command again.`,
          );
        }
        throw new UserError(
          `The connection to ${this.endpoint} broke off while downloading ${remote.name} (${networkReason(error)}).`,
        );
      } finally {
        await file.close();
      }
      for (const [source, size] of announced) {
        if (received !== size) {
          throw new UserError(
            `The download of ${remote.name} from ${this.endpoint} has ${received} bytes but ${source} says ${size}; the file was not saved.`,
          );
        }
      }
      await rename(temporary, target);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
    progress(received, total, true);
    return received;
  }
}

/** `siblings[].rfilename` (with `size` or `lfs.size` when the API gives them), or null if it is not a listing. */
function parseListing(json: unknown): Map<string, RemoteFile> | null {
  if (typeof json !== 'object' || json === null) return null;
  const siblings = (json as { siblings?: unknown }).siblings;
  if (!Array.isArray(siblings)) return null;
  const files = new Map<string, RemoteFile>();
  for (const sibling of siblings) {
    if (typeof sibling !== 'object' || sibling === null) continue;
    const { rfilename, size, lfs } = sibling as {
      rfilename?: unknown;
      size?: unknown;
      lfs?: { size?: unknown };
    };
    if (typeof rfilename !== 'string') continue;
    const known = [size, lfs?.size].find(
      (s): s is number => typeof s === 'number' && Number.isSafeInteger(s) && s >= 0,
    );
    files.set(rfilename, known === undefined ? { name: rfilename } : { name: rfilename, size: known });
  }
  return files;
}

function parseSize(header: string | null): number | undefined {
  if (header === null || !/^\d+$/.test(header.trim())) return undefined;
  const value = Number(header.trim());
  return Number.isSafeInteger(value) ? value : undefined;
}

/** The most telling part of a fetch failure: undici hides the socket error in `cause`. */
function networkReason(error: unknown): string {
  let current: unknown = error;
  let reason = error instanceof Error ? error.message : String(error);
  for (let depth = 0; depth < 4 && current instanceof Error && current.cause !== undefined; depth++) {
    current = current.cause;
    if (current instanceof Error) {
      const code = (current as NodeJS.ErrnoException).code;
      reason = code && !current.message.includes(code) ? `${code}: ${current.message}` : current.message;
    }
  }
  return reason;
}

/** A local write failure (disk full, permissions) is the user's machine, not the network: say so. */
async function writeLocal(file: FileHandle, chunk: Uint8Array, path: string): Promise<void> {
  try {
    await file.write(chunk);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new UserError(
      `Could not write ${path} (${code}): check the disk space and the folder's permissions.`,
    );
  }
}
