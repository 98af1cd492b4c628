/** JSON schemas of the request bodies; fastify validates every body against its route's. */

/** An adapter's name: what may stand in a URL path segment and a Prometheus label without escaping. */
export const ADAPTER_NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$';

export interface ClassifyBody {
  texts: string[];
  adapter?: string;
  top_k?: number;
  threshold?: number;
}

export function classifyBodySchema(maxTexts: number): object {
  return {
    type: 'object',
    required: ['texts'],
    additionalProperties: false,
    properties: {
      texts: { type: 'array', minItems: 1, maxItems: maxTexts, items: { type: 'string' } },
      adapter: { type: 'string', minLength: 1, maxLength: 64 },
      top_k: { type: 'integer', minimum: 1 },
      // As predict's --threshold: strictly between 0 and 1 (0 would name every label, 1 none).
      threshold: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
    },
  };
}

export interface LoadAdapterBody {
  name: string;
  path: string;
  merge?: boolean;
}

export const loadAdapterBodySchema = {
  type: 'object',
  required: ['name', 'path'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', pattern: ADAPTER_NAME_PATTERN },
    path: { type: 'string', minLength: 1, maxLength: 4096 },
    merge: { type: 'boolean' },
  },
} as const;

export const adapterNameParamsSchema = {
  type: 'object',
  required: ['name'],
  properties: { name: { type: 'string', pattern: ADAPTER_NAME_PATTERN } },
} as const;
