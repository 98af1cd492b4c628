import Fastify, { type FastifyInstance } from 'fastify';
import { adapterFolderInside } from './adapter-path.js';
import type { AdapterRegistry } from './adapter-registry.js';
import { hasBearerToken } from './auth.js';
import type { DynamicBatcher } from './batcher.js';
import { classifyResult } from './classify-result.js';
import { UserError } from '../errors.js';
import { describeHttpError, HttpError } from './http-error.js';
import type { ServerMetrics } from './metrics.js';
import {
  adapterNameParamsSchema,
  classifyBodySchema,
  loadAdapterBodySchema,
  type ClassifyBody,
  type LoadAdapterBody,
} from './schemas.js';
import type { BatchRow, ServedAdapter, ServedModel } from './served-model.js';

export interface AppOptions {
  model: ServedModel;
  registry: AdapterRegistry;
  batcher: DynamicBatcher<BatchRow, number[]>;
  metrics: ServerMetrics;
  /** Texts per classify request at most. */
  maxTexts: number;
  /** Request bodies in bytes at most. */
  bodyLimit: number;
  /** Multi-label adapters: the sigmoid from which a label is in a text's set, unless a request says. */
  threshold: number;
  /** The only folder adapters may be loaded from at run time; without it, POST /v1/adapters is refused. */
  adaptersDir?: string;
  /** When set, every request needs `Authorization: Bearer <token>`. */
  token?: string;
  /** Where the server's own failures (500s) are told. */
  log: (line: string) => void;
}

/**
 * The HTTP API: POST /v1/classify, GET and POST /v1/adapters, DELETE /v1/adapters/NAME, GET /health
 * and GET /metrics. Every refusal is a 4xx with `{"error": "one sentence"}`.
 */
export function buildApp(o: AppOptions): FastifyInstance {
  const app = Fastify({
    logger: false,
    bodyLimit: o.bodyLimit,
    // Wrong types are refused, never coerced ("3" is no top_k, "text" no list of texts).
    ajv: {
      customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: false },
    },
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  });

  // Bodies are JSON only: a text/plain body is refused (415) rather than parsed as a string.
  app.removeContentTypeParser('text/plain');

  app.addHook('onRequest', async (request, reply) => {
    if (o.token === undefined || hasBearerToken(request.headers.authorization, o.token)) return;
    reply.code(401).header('www-authenticate', 'Bearer').send({
      error:
        'This server needs the header "Authorization: Bearer <token>" with the token of its --token-file.',
    });
    return reply;
  });
  app.addHook('onResponse', async (request, reply) => {
    o.metrics.response(
      request.routeOptions.url ?? 'unmatched',
      request.method,
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
  });
  app.setErrorHandler((error, request, reply) => {
    const { status, message } = describeHttpError(error, o.bodyLimit);
    if (status >= 500)
      o.log(
        `${request.method} ${request.url} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
    void reply.code(status).send({ error: message });
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send({
      error: `There is no ${request.method} ${request.url.split('?')[0]} here; the routes are POST /v1/classify, GET and POST /v1/adapters, DELETE /v1/adapters/NAME, GET /health and GET /metrics.`,
    });
  });

  app.post<{ Body: ClassifyBody }>(
    '/v1/classify',
    { schema: { body: classifyBodySchema(o.maxTexts) } },
    async (request) => {
      const body = request.body;
      const lease = body.adapter === undefined ? undefined : o.registry.acquire(body.adapter);
      if (body.adapter !== undefined && lease === undefined) {
        const loaded = o.registry.names();
        throw new HttpError(
          400,
          `There is no adapter named ${JSON.stringify(body.adapter)}; ${loaded.length > 0 ? `loaded: ${loaded.join(', ')}` : 'none is loaded'}.`,
        );
      }
      try {
        const adapter = lease?.adapter ?? null;
        if (adapter === null && !o.model.headTrained) {
          throw new HttpError(
            400,
            `The base model has no trained classifier head, so name an adapter ("adapter": one of ${o.registry.names().join(', ') || 'none loaded yet'}).`,
          );
        }
        const labels = adapter?.labels ?? o.model.labels;
        const multiLabel = adapter?.multiLabel ?? o.model.multiLabel;
        if (body.threshold !== undefined && !multiLabel) {
          throw new HttpError(
            400,
            `"threshold" applies to a multi-label classifier only, and ${adapter ? `adapter ${adapter.name}` : 'the base model'} is a single-label one.`,
          );
        }
        const inputs = body.texts.map((text) => o.model.encode(text, adapter?.cleaning ?? o.model.cleaning));
        const logits = await o.batcher.submit(inputs.map((input) => ({ input, adapter })));
        o.metrics.classified(adapter?.name ?? null, inputs.length, inputs.filter((i) => i.truncated).length);
        return {
          results: logits.map((row, i) =>
            classifyResult(row, labels, {
              topK: body.top_k,
              adapter: adapter?.name ?? null,
              truncated: inputs[i].truncated,
              multiLabel: multiLabel ? { threshold: body.threshold ?? o.threshold } : undefined,
            }),
          ),
        };
      } finally {
        lease?.release();
      }
    },
  );

  app.get('/v1/adapters', async () => ({
    base: {
      model: o.model.dir,
      labels: o.model.labels,
      head_trained: o.model.headTrained,
      multi_label: o.model.multiLabel,
      max_length: o.model.maxLen,
    },
    adapters: o.registry.list().map(describeAdapter),
  }));

  app.post<{ Body: LoadAdapterBody }>(
    '/v1/adapters',
    { schema: { body: loadAdapterBodySchema } },
    async (request, reply) => {
      if (o.adaptersDir === undefined) {
        throw new HttpError(
          403,
          'This server loads adapters at run time only from its --adapters-dir, and was started without one.',
        );
      }
      const { name, path, merge } = request.body;
      if (o.registry.has(name)) {
        throw new HttpError(
          409,
          `An adapter named ${JSON.stringify(name)} is already loaded; unload it first (DELETE /v1/adapters/${name}).`,
        );
      }
      const dir = adapterFolderInside(o.adaptersDir, path);
      let adapter: ServedAdapter;
      try {
        adapter = o.registry.load(name, dir, { merge });
      } catch (error) {
        // The client named the folder inside --adapters-dir; where that lies on the server is not its business.
        if (error instanceof UserError) throw new HttpError(400, error.message.split(dir).join(path));
        throw error;
      }
      return reply.code(201).send({ adapter: describeAdapter(adapter) });
    },
  );

  app.delete<{ Params: { name: string } }>(
    '/v1/adapters/:name',
    { schema: { params: adapterNameParamsSchema } },
    async (request) => {
      const adapter = await o.registry.unload(request.params.name);
      return { unloaded: adapter.name };
    },
  );

  app.get('/health', async () => ({
    status: 'ok',
    model: o.model.dir,
    adapters: o.registry.names(),
    queued: o.batcher.queued,
  }));

  app.get('/metrics', async (_request, reply) => {
    const { contentType, body } = await o.metrics.text();
    return reply.type(contentType).send(body);
  });

  return app;
}

function describeAdapter(a: ServedAdapter): object {
  return {
    name: a.name,
    path: a.path,
    labels: a.labels,
    multi_label: a.multiLabel,
    r: a.r,
    lora_alpha: a.loraAlpha,
    target_modules: a.targets,
    modules_to_save: a.modulesToSave,
    merged: a.merged,
    text_cleaning: a.cleaning,
    loaded_at: a.loadedAt,
  };
}
