/**
 * B-1/B-3 over HTTP: POST /v1/identify and /v1/identify/batch (≤ 10,000 items). Every route declares its
 * schema: request bodies are zod schemas shared with the CLI (unknown fields refused), responses have
 * JSON schemas so fastify serialises them fast. Bad input gets 400 with the path of the bad field,
 * oversize bodies 413, missing/unknown keys 401, over-rate terminals 429 — and the service stays up.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { ZodType } from 'zod';
import type { Readable } from 'node:stream';
import {
  identifyBatchSchema,
  identifyRequestSchema,
  MAX_BATCH,
  type IdentifyRequest,
} from '../identify/index.js';
import type { IdentificationService, IdentifyResponse } from '../identify/index.js';
import { fastBatchOk, fastRequestOk } from '../identify/index.js';
import { batchItems, checkItem, pathText, ValidationError } from './batch-check.js';
import { BatchJob, type BatchWorker } from './batch-worker.js';
import type { KeyVerifier, TerminalKey } from './api-keys.js';
import { RateLimiter } from './rate-limit.js';
import { parseJsonChunked, Slicer } from './chunked-json.js';
import type { RequestLog } from './request-log.js';
import { API_KEY_HELP, apiKeyOf } from './api-key-header.js';

export interface IdentifyServerOptions {
  service: IdentificationService;
  /** Without a key store the API is open (loopback development only). */
  keys?: KeyVerifier;
  log?: RequestLog;
  /** Body limit for the batch route in bytes (single requests get a 16th of it, at least 1 MiB). */
  bodyLimit?: number;
  /** Serve HTTPS with this key and certificate (PEM); plain HTTP without (loopback development only). */
  https?: { key: string | Buffer; cert: string | Buffer };
  /**
   * Batches go to this worker thread (parse, check, score, serialise there): the event loop only forwards the
   * body's chunks, so single requests keep their latency while a large batch runs. Without it, batches are
   * handled here in 2 ms slices.
   */
  batchWorker?: BatchWorker;
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

declare module 'fastify' {
  interface FastifyRequest {
    terminal?: TerminalKey;
    /** Verdicts already charged before the body was read (from Content-Length). */
    preCost?: number;
  }
}

/**
 * Body bytes one verdict of rate pays for. The rate check runs before the body is read, from Content-Length:
 * a body costs at least ⌈bytes / BYTES_PER_VERDICT⌉ verdicts, so a 35 MB batch from a slow key is refused
 * without being parsed; after parsing, the items beyond that are charged too (cost = max(items, bytes/1 KiB)).
 */
export const BYTES_PER_VERDICT = 1024;

/** Bodies from this size on are parsed in slices that yield to the event loop. */
const CHUNKED_FROM = 512 * 1024;

export function buildIdentifyServer(opts: IdentifyServerOptions): FastifyInstance {
  const batchLimit = opts.bodyLimit ?? 64 * 1024 * 1024;
  const singleLimit = Math.max(1024 * 1024, Math.floor(batchLimit / 16));
  const common = { logger: false, bodyLimit: batchLimit, return503OnClosing: true } as const;
  // The HTTPS instance differs from the HTTP one only in its server type; routes and hooks are the same.
  const app = (opts.https
    ? Fastify({ ...common, https: opts.https })
    : Fastify(common)) as unknown as FastifyInstance;
  const limiter = new RateLimiter();

  // Large bodies are parsed in slices (see chunked-json); small ones by fastify's parser (prototype-poisoning checks).
  const defaultJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body: Buffer, done) => {
    if (body.length < CHUNKED_FROM) return defaultJson(req, body.toString('utf8'), done);
    parseJsonChunked(body).then(
      (v) => done(null, v),
      (e: Error) => done(e, undefined),
    );
  });

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
    if (req.body instanceof BatchJob) return req.body.items;
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
    // Cost from Content-Length, before a byte of the body is read or parsed.
    const len = Number(req.headers['content-length'] ?? 0);
    const pre = Math.max(1, Math.ceil((Number.isFinite(len) ? len : 0) / BYTES_PER_VERDICT));
    req.preCost = pre;
    return charge(req, reply, t, pre, `a body of ${len} bytes`);
  });

  const charge = (
    req: FastifyRequest,
    reply: FastifyReply,
    t: TerminalKey,
    cost: number,
    what: string,
  ): FastifyReply | undefined => {
    const wait = limiter.take(t.terminal, cost, t.ratePerS, t.burst);
    if (wait === 0) return undefined;
    // The connection closes after the answer: the unread body is not drained, so refusing it costs nothing.
    reply.header('connection', 'close');
    if (!Number.isFinite(wait))
      return reply.code(413).send({
        error: 'over burst',
        message: `${what} costs ${cost} verdicts, more than terminal '${t.terminal}' may spend at once (burst ${t.burst} = ${t.ratePerS} verdicts/s × its burst seconds)`,
      });
    reply.header('retry-after', Math.ceil(wait));
    return reply.code(429).send({
      error: 'rate limited',
      message: `terminal '${t.terminal}' is over its rate of ${t.ratePerS} verdicts/s (${what} costs ${cost})`,
    });
  };

  // After parsing: the items beyond what the body's size already paid for.
  app.addHook('preHandler', async (req, reply) => {
    const t = req.terminal;
    if (!t) return;
    const extra = itemsOf(req) - (req.preCost ?? 0);
    if (extra > 0) return charge(req, reply, t, extra, `${itemsOf(req)} items`);
  });

  app.addHook('onResponse', async (req, reply) => {
    if (req.body instanceof BatchJob) req.body.drop();
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

  const worker = opts.batchWorker;
  if (worker)
    // Its own scope: the batch route's JSON bodies stream to the worker instead of being parsed here.
    void app.register(async (scope) => {
      scope.removeContentTypeParser('application/json');
      scope.addContentTypeParser('application/json', (req, payload, done) =>
        streamToWorker(worker, req, payload, batchLimit, done),
      );
      scope.post('/v1/identify/batch', { schema: { response: errorResponses } }, async (req, reply) => {
        const body = await (req.body as BatchJob).score();
        return reply.type('application/json; charset=utf-8').send(body);
      });
    });
  else
    // The batch body is checked item by item in the handler, a slice at a time (a 10,000-item check in one go
    // holds the loop for tens of milliseconds); the response is written the same way.
    app.post('/v1/identify/batch', { schema: { response: errorResponses } }, async (req, reply) => {
      const items = await validBatch(req.body);
      const version = opts.service.modelVersion;
      const parts: string[] = [];
      const slicer = new Slicer();
      for (let i = 0; i < items.length; i++) {
        parts.push(serialiseVerdict(opts.service.identify(items[i])));
        // Yield between slices so single requests and health checks are answered while a batch runs.
        if (slicer.due()) await slicer.pause();
      }
      return reply
        .type('application/json; charset=utf-8')
        .send(`{"model_version":${JSON.stringify(version)},"results":[${parts.join(',')}]}`);
    });

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

const serialiseVerdict = (v: IdentifyResponse): string => JSON.stringify(v);

/** B-1 batch check, sliced: the same rules as identifyBatchSchema, with the path of the first bad field. */
async function validBatch(body: unknown): Promise<IdentifyRequest[]> {
  const items = batchItems(body);
  const out = new Array<IdentifyRequest>(items.length);
  const slicer = new Slicer();
  for (let i = 0; i < items.length; i++) {
    out[i] = checkItem(items[i], i);
    if (slicer.due()) await slicer.pause();
  }
  return out;
}

const tooLarge = (limit: number): Error =>
  Object.assign(new Error(`Request body is too large (more than ${limit} bytes)`), {
    statusCode: 413,
    code: 'FST_ERR_CTP_BODY_TOO_LARGE',
  });

/**
 * The batch body's bytes go to the worker as they arrive; the request's body becomes the worker's job once the
 * worker has parsed and checked it (a syntax or schema error comes back as 400 with its path).
 */
function streamToWorker(
  worker: BatchWorker,
  req: FastifyRequest,
  payload: Readable,
  limit: number,
  done: (err: Error | null, body?: unknown) => void,
): void {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    payload.resume();
    return done(tooLarge(limit));
  }
  let job: BatchJob;
  try {
    job = worker.begin();
  } catch (e) {
    payload.resume();
    return done(e as Error);
  }
  let bytes = 0;
  let finished = false;
  const finish = (err: Error | null, body?: unknown): void => {
    if (finished) return;
    finished = true;
    if (err) job.drop();
    done(err, body);
  };
  payload.on('data', (c: Buffer) => {
    if (finished) return;
    bytes += c.length;
    if (bytes > limit) return finish(tooLarge(limit));
    // A copy that owns its memory moves to the worker without another copy (the socket reuses its buffers).
    const own = new Uint8Array(c);
    job.push(own);
  });
  payload.on('end', () => {
    if (finished) return;
    job.end().then(
      () => finish(null, job),
      (e: Error) => finish(e),
    );
  });
  payload.on('error', (e: Error) => finish(e));
}

export { MAX_BATCH };
