/**
 * B-1/B-3 over HTTP: POST /v1/identify and /v1/identify/batch (≤ 10,000 items). Every route declares its
 * schema: request bodies are zod schemas shared with the CLI (unknown fields refused), responses have
 * JSON schemas so fastify serialises them fast. Bad input gets 400 with the path of the bad field,
 * oversize bodies 413, missing/unknown keys 401, over-rate terminals 429 — and the service stays up.
 */
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import type { ZodType } from 'zod';
import {
  identifyBatchSchema,
  identifyRequestSchema,
  MAX_BATCH,
  type IdentifyRequest,
} from '../identify/flow-record.js';
import type { IdentificationService } from '../identify/service.js';
import { fastBatchOk, fastRequestOk } from '../identify/fast-validate.js';
import type { KeyVerifier, TerminalKey } from './api-keys.js';
import { RateLimiter } from './rate-limit.js';
import type { RequestLog } from './request-log.js';
import { API_KEY_HELP, apiKeyOf } from './api-key-header.js';

export interface IdentifyServerOptions {
  service: IdentificationService;
  /** Without a key store the API is open (loopback development only). */
  keys?: KeyVerifier;
  log?: RequestLog;
  /** Body limit for the batch route in bytes (single requests get a 16th of it, at least 1 MiB). */
  bodyLimit?: number;
}

const verdictSchema = {
  type: 'object',
  required: ['ip', 'verdict', 'score', 'rules_fired', 'reasons', 'model_version'],
  properties: {
    ip: { type: 'string' },
    verdict: { type: 'string', enum: ['black', 'gray', 'clean', 'not_applicable'] },
    score: { type: 'number' },
    category: { type: 'string' },
    rules_fired: { type: 'array', items: { type: 'string' } },
    reasons: { type: 'array', items: { type: 'string' } },
    model_version: { type: ['integer', 'null'] },
  },
} as const;

const errorSchema = {
  type: 'object',
  properties: { error: { type: 'string' }, path: { type: 'string' }, message: { type: 'string' } },
} as const;

const errorResponses = {
  400: errorSchema,
  401: errorSchema,
  413: errorSchema,
  415: errorSchema,
  429: errorSchema,
};

/** zod issue path → 'items[3].traffic.flows[0].peer' */
function pathText(path: readonly PropertyKey[]): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : `${s ? '.' : ''}${String(p)}`;
  return s || '(body)';
}

class ValidationError extends Error {
  readonly statusCode = 400;
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

declare module 'fastify' {
  interface FastifyRequest {
    terminal?: TerminalKey;
  }
}

export function buildIdentifyServer(opts: IdentifyServerOptions): FastifyInstance {
  const batchLimit = opts.bodyLimit ?? 64 * 1024 * 1024;
  const singleLimit = Math.max(1024 * 1024, Math.floor(batchLimit / 16));
  const app = Fastify({ logger: false, bodyLimit: batchLimit, return503OnClosing: true });
  const limiter = new RateLimiter();

  app.setValidatorCompiler(({ schema }) => {
    const z = schema as unknown as ZodType;
    // The common compact shape is checked by hand first (same rules, ~50× faster); zod decides the rest.
    const fast =
      schema === (identifyBatchSchema as unknown)
        ? fastBatchOk
        : schema === (identifyRequestSchema as unknown)
          ? fastRequestOk
          : null;
    return (data: unknown) => {
      if (fast?.(data)) return { value: data };
      const r = z.safeParse(data);
      if (r.success) return { value: r.data };
      const issue = r.error.issues[0];
      return { error: new ValidationError(pathText(issue.path), issue.message) };
    };
  });

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string; path?: string }, _req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (err instanceof ValidationError)
      return reply.code(400).send({ error: 'invalid request', path: err.path, message: err.message });
    if (status === 413) return reply.code(413).send({ error: 'body too large', message: err.message });
    if (status < 500)
      return reply.code(status).send({ error: err.code ?? 'bad request', message: err.message });
    return reply.code(500).send({ error: 'internal error', message: 'the request could not be processed' });
  });

  const itemsOf = (req: FastifyRequest): number => {
    const b = req.body as { items?: unknown[] } | undefined;
    return Array.isArray(b?.items) ? b.items.length : 1;
  };

  app.addHook('onRequest', async (req, reply) => {
    if (!opts.keys || req.url === '/v1/health') return;
    const key = apiKeyOf(req.headers);
    let t = key ? opts.keys.verify(key) : null;
    if (t instanceof Promise) t = await t;
    if (!t)
      return reply
        .code(401)
        .send({ error: 'unauthorized', message: `a valid API key is required (${API_KEY_HELP})` });
    req.terminal = t;
  });

  // Rate limit after parsing: a batch costs its number of items.
  app.addHook('preHandler', async (req, reply) => {
    const t = req.terminal;
    if (!t) return;
    const wait = limiter.take(t.terminal, itemsOf(req), t.ratePerS, t.burst);
    if (wait > 0) {
      reply.header('retry-after', Number.isFinite(wait) ? Math.ceil(wait) : 60);
      return reply.code(429).send({
        error: 'rate limited',
        message: `terminal '${t.terminal}' is over its rate of ${t.ratePerS} verdicts/s`,
      });
    }
  });

  app.addHook('onResponse', async (req, reply) => {
    opts.log?.record({
      at: new Date().toISOString(),
      terminal: req.terminal?.terminal ?? null,
      route: req.routeOptions.url ?? req.url.slice(0, 200),
      status: reply.statusCode,
      items: reply.statusCode < 300 ? itemsOf(req) : 0,
      ms: reply.elapsedTime,
      client: req.ip ?? null,
    });
  });

  app.get(
    '/v1/health',
    {
      schema: {
        response: {
          200: {
            type: 'object',
            properties: { status: { type: 'string' }, model_version: { type: ['integer', 'null'] } },
          },
        },
      },
    },
    async () => ({
      status: 'ok',
      model_version: opts.service.modelVersion,
    }),
  );

  app.post(
    '/v1/identify',
    {
      bodyLimit: singleLimit,
      schema: { body: identifyRequestSchema as never, response: { 200: verdictSchema, ...errorResponses } },
    },
    async (req) => opts.service.identify(req.body as IdentifyRequest),
  );

  app.post(
    '/v1/identify/batch',
    {
      schema: {
        body: identifyBatchSchema as never,
        response: {
          200: {
            type: 'object',
            properties: {
              model_version: { type: ['integer', 'null'] },
              results: { type: 'array', items: verdictSchema },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const items = (req.body as { items: IdentifyRequest[] }).items;
      const results = new Array(items.length);
      for (let i = 0; i < items.length; i++) results[i] = opts.service.identify(items[i]);
      return { model_version: opts.service.modelVersion, results };
    },
  );

  app.get(
    '/v1/model',
    {
      schema: {
        response: {
          200: {
            type: 'object',
            properties: {
              model_version: { type: ['integer', 'null'] },
              rules: { type: 'array', items: { type: 'string' } },
            },
          },
        },
      },
    },
    async () => ({
      model_version: opts.service.modelVersion,
      rules: opts.service.describeModel(),
    }),
  );

  return app;
}

export { MAX_BATCH };
