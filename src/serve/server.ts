import type { FastifyInstance } from 'fastify';
import { UserError } from '../errors.js';
import { describeInferenceSplit } from '../train/memory-messages.js';
import { DEFAULT_THRESHOLD } from '../train/multi-label-metrics.js';
import { buildApp } from './app.js';
import { AdapterRegistry } from './adapter-registry.js';
import { DynamicBatcher } from './batcher.js';
import { ServerMetrics } from './metrics.js';
import { ServedModel, type BatchRow } from './served-model.js';

export interface ServeOptions {
  /** The base model's folder. */
  modelDir: string;
  /** Adapters loaded at start (read from wherever the operator says); `merge`: served merged. */
  adapters?: readonly { name: string; dir: string; merge?: boolean }[];
  /** The only folder adapters may be loaded from at run time. */
  adaptersDir?: string;
  host?: string;
  /** 0: a free port, chosen by the system. */
  port?: number;
  maxBatch?: number;
  maxWaitMs?: number;
  maxLen?: number;
  /** Texts per classify request at most. */
  maxTexts?: number;
  /** Request bodies in bytes at most. */
  bodyLimit?: number;
  /** Multi-label adapters: the default threshold of a label's sigmoid (0.5). */
  threshold?: number;
  token?: string;
  /** Where the server tells its own failures (500s); the CLI gives stderr. */
  log: (line: string) => void;
}

export const SERVE_DEFAULTS = {
  host: '127.0.0.1',
  port: 8000,
  maxBatch: 64,
  maxWaitMs: 5,
  maxTexts: 256,
  bodyLimit: 1024 * 1024,
} as const;

export interface RunningServer {
  /** http://host:port, with the port actually bound. */
  url: string;
  port: number;
  app: FastifyInstance;
  model: ServedModel;
  /** Stops accepting connections, finishes the requests in flight, then resolves. */
  close(): Promise<void>;
}

/** Loads the model and the start-up adapters, then listens. */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const model = await ServedModel.load(options.modelDir, { maxLen: options.maxLen });
  model.onInferenceSplit = (split) => options.log(describeInferenceSplit(split));
  const registry = new AdapterRegistry(model);
  for (const { name, dir, merge } of options.adapters ?? []) {
    try {
      registry.load(name, dir, { merge });
    } catch (error) {
      if (error instanceof UserError)
        throw new UserError(`Adapter ${name} (${dir}) was refused: ${error.message}`);
      throw error;
    }
  }
  let batcher: DynamicBatcher<BatchRow, number[]> | undefined = undefined;
  const metrics = new ServerMetrics({
    queued: () => batcher?.queued ?? 0,
    adapters: () => registry.names().length,
  });
  batcher = new DynamicBatcher<BatchRow, number[]>({
    maxBatch: options.maxBatch ?? SERVE_DEFAULTS.maxBatch,
    maxWaitMs: options.maxWaitMs ?? SERVE_DEFAULTS.maxWaitMs,
    run: (rows) => model.logits(rows),
    onBatch: (report) => metrics.batch(report),
  });
  const host = options.host ?? SERVE_DEFAULTS.host;
  const app = buildApp({
    model,
    registry,
    batcher,
    metrics,
    maxTexts: options.maxTexts ?? SERVE_DEFAULTS.maxTexts,
    bodyLimit: options.bodyLimit ?? SERVE_DEFAULTS.bodyLimit,
    threshold: options.threshold ?? DEFAULT_THRESHOLD,
    adaptersDir: options.adaptersDir,
    token: options.token,
    log: options.log,
  });
  try {
    await app.listen({ host, port: options.port ?? SERVE_DEFAULTS.port });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const port = options.port ?? SERVE_DEFAULTS.port;
    if (code === 'EADDRINUSE')
      throw new UserError(`Could not listen on ${host}:${port}: the port is in use.`);
    if (code === 'EACCES') throw new UserError(`Could not listen on ${host}:${port}: permission denied.`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') {
      throw new UserError(`Could not listen on ${host}:${port}: this machine has no such address.`);
    }
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : (options.port ?? 0);
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}`,
    port,
    app,
    model,
    close: () => app.close(),
  };
}
