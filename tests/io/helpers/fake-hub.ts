import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A file of a fake repository, and how the server misbehaves with it. */
export interface FakeFile {
  data: Uint8Array;
  /** Announce this Content-Length but send only `data` (then cut the connection). */
  claimLength?: number;
  /** The size the API listing reports (default: the real one). */
  listedSize?: number;
  /** Serve it through a redirect (as the Hub sends large files to its CDN), with X-Linked-Size. */
  redirect?: boolean;
}

export interface FakeHub {
  endpoint: string;
  /** Every request, as "METHOD /path". */
  requests: string[];
  close(): Promise<void>;
}

/**
 * A local stand-in for the Hugging Face Hub on 127.0.0.1: `GET /api/models/<repo>` lists the files,
 * `/<repo>/resolve/<revision>/<file>` serves them, 404s carry the Hub's X-Error-Code. Never the internet.
 */
export async function startFakeHub(
  repos: Record<string, Record<string, FakeFile>>,
  options: { api?: boolean } = {},
): Promise<FakeHub> {
  const requests: string[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    requests.push(`${req.method} ${url.pathname}`);
    const notFound = (code: string) => {
      res.writeHead(404, { 'x-error-code': code, 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: code }));
    };

    const api = /^\/api\/models\/([^/]+\/[^/]+)(?:\/revision\/([^/]+))?$/.exec(url.pathname);
    if (api) {
      const repo = repos[api[1]!];
      if (options.api === false) return notFound('NotFound');
      if (!repo) return notFound('RepositoryNotFound');
      if (api[2] !== undefined && api[2] !== 'main') return notFound('RevisionNotFound');
      const siblings = Object.entries(repo).map(([name, file]) => ({
        rfilename: name,
        size: file.listedSize ?? file.data.length,
      }));
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ id: api[1], siblings }));
    }

    const cdn = /^\/cdn\/([^/]+\/[^/]+)\/(.+)$/.exec(url.pathname);
    const resolve = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
    const repoId = cdn?.[1] ?? resolve?.[1];
    const name = cdn?.[2] ?? resolve?.[3];
    if (!repoId || !name) return notFound('NotFound');
    const repo = repos[repoId];
    if (!repo) return notFound('RepositoryNotFound');
    if (resolve && resolve[2] !== 'main') return notFound('RevisionNotFound');
    const file = repo[name];
    if (!file) return notFound('EntryNotFound');
    if (resolve && file.redirect) {
      res.writeHead(302, { location: `/cdn/${repoId}/${name}`, 'x-linked-size': String(file.data.length) });
      return res.end();
    }
    res.writeHead(200, {
      'content-length': String(file.claimLength ?? file.data.length),
      'content-type': 'application/octet-stream',
    });
    if (req.method === 'HEAD') return res.end();
    if (file.claimLength !== undefined && file.claimLength > file.data.length) {
      // Send what there is, then drop the connection: a body shorter than its Content-Length.
      res.write(file.data, () => res.socket?.destroy());
      return;
    }
    res.end(file.data);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
