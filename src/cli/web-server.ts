import { createReadStream, existsSync, realpathSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../errors.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

export interface WebServerOptions {
  port: number;
  host: string;
  /** A folder served read-only under /models/ (model folders for the page to load by URL). */
  modelsDir?: string;
  /**
   * Send the headers that make the page cross-origin isolated (default), which SharedArrayBuffer and
   * so the kernels' threads need; without them the page trains on one thread.
   */
  isolation?: boolean;
  /** The built app (default: dist/web of this package). */
  appDir?: string;
}

export interface WebServer {
  url: string;
  close(): Promise<void>;
}

/** dist/web beside this package's package.json, from src/cli under tsx or dist/src/cli once built. */
export function builtAppDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return join(dir, 'dist', 'web');
}

/**
 * Serves the web app's static files, and `modelsDir` under /models/, read-only (GET and HEAD), never
 * outside those folders (links that lead out included).
 */
export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const appDir = resolve(options.appDir ?? builtAppDir());
  if (!existsSync(join(appDir, 'index.html'))) {
    throw new UserError(`The web app is not built (${appDir} has no index.html); run "npm run build".`);
  }
  const modelsDir = options.modelsDir === undefined ? undefined : resolve(options.modelsDir);
  if (modelsDir !== undefined && !(existsSync(modelsDir) && statSync(modelsDir).isDirectory())) {
    throw new UserError(`The models folder ${modelsDir} does not exist.`);
  }
  const isolation = options.isolation ?? true;
  const server = createServer((request, response) => {
    try {
      handle(request, response, { appDir, modelsDir, isolation });
    } catch {
      send(response, 500, 'The server failed to answer.', isolation);
    }
  });
  await listen(server, options.port, options.host);
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}/`,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((done, fail) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      fail(
        error.code === 'EADDRINUSE'
          ? new UserError(`Port ${port} on ${host} is in use; pick another with --port.`)
          : error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND'
            ? new UserError(`Cannot listen on ${host}: this machine has no such address.`)
            : error,
      );
    });
    server.listen(port, host, () => done());
  });
}

function handle(
  request: IncomingMessage,
  response: ServerResponse,
  where: { appDir: string; modelsDir?: string; isolation: boolean },
): void {
  const { isolation } = where;
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.setHeader('Allow', 'GET, HEAD');
    return send(response, 405, 'Only GET and HEAD are served.', isolation);
  }
  let path: string;
  try {
    path = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
  } catch {
    return send(response, 400, 'The path is not valid.', isolation);
  }
  if (path.includes('\0')) return send(response, 400, 'The path is not valid.', isolation);
  let root = where.appDir;
  let inside = path === '/' ? 'index.html' : path.slice(1);
  if (path.startsWith('/models/')) {
    if (!where.modelsDir) return send(response, 404, 'No models folder is served.', isolation);
    root = where.modelsDir;
    inside = path.slice('/models/'.length);
  }
  const file = fileInside(root, inside);
  if (!file) return send(response, 404, `Not found: ${path}`, isolation);
  const size = statSync(file).size;
  headers(response, isolation);
  response.setHeader('Content-Type', TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream');
  response.setHeader('Content-Length', size);
  response.setHeader('Cache-Control', 'no-cache');
  response.statusCode = 200;
  if (request.method === 'HEAD') return void response.end();
  createReadStream(file)
    .on('error', () => response.destroy())
    .pipe(response);
}

/** The regular file `relative` names under `root`, or null: nothing outside root, links followed and checked. */
function fileInside(root: string, relative: string): string | null {
  const candidate = resolve(root, relative);
  if (candidate !== root && !candidate.startsWith(root + sep)) return null;
  if (!existsSync(candidate)) return null;
  const real = realpathSync(candidate);
  const realRoot = realpathSync(root);
  if (!real.startsWith(realRoot + sep)) return null;
  return statSync(real).isFile() ? real : null;
}

/**
 * Cross-origin isolation (COOP + COEP) gives the page SharedArrayBuffer; CORP lets its own workers and
 * files load under COEP.
 */
function headers(response: ServerResponse, isolation: boolean): void {
  if (isolation) {
    response.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    response.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
  }
  response.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  response.setHeader('X-Content-Type-Options', 'nosniff');
}

function send(response: ServerResponse, status: number, text: string, isolation: boolean): void {
  headers(response, isolation);
  response.statusCode = status;
  response.setHeader('Content-Type', 'text/plain; charset=utf-8');
  response.end(`${text}\n`);
}
