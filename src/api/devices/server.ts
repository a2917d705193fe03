/**
 * The device registry's HTTP API in the gateway daemon: list and read devices, move them between
 * groups, confirm, restrict and lift restrictions, the inter-component map and the runtime counts. Bound to
 * loopback by default; with an API key, every request carries `Authorization: Bearer KEY`. A change goes through the
 * registry, which updates the kernel's sets, exactly as `moat devices …` does.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { InputError } from '../../framework/errors.js';
import { RESTRICTION_LEVELS, type DeviceRegistry, type MapEntry } from '../../devices/index.js';
import { API_KEY_HELP, apiKeyOf } from '../api-key-header.js';

export interface DevicesApiContext {
  registry: DeviceRegistry;
  map: () => MapEntry[];
  status: () => unknown;
}

const groupBody = z.object({ group: z.string().nullable() }).strict();
const restrictBody = z
  .object({ level: z.enum(RESTRICTION_LEVELS), reason: z.string().max(200).optional() })
  .strict();

function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

export function buildDevicesApi(ctx: DevicesApiContext, o: { apiKey?: string } = {}): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 16 * 1024 });
  if (o.apiKey) {
    const key = o.apiKey;
    app.addHook('onRequest', async (req, reply) => {
      const got = apiKeyOf(req.headers);
      if (got === undefined || !sameSecret(got, key))
        await reply
          .code(401)
          .send({ error: 'unauthorized', message: `a valid API key is required (${API_KEY_HELP})` });
    });
  }
  app.setErrorHandler(async (e, _req, reply) => {
    const err = e instanceof Error ? e : new Error(String(e));
    if (err instanceof InputError) return reply.code(404).send({ error: 'not-found', message: err.message });
    const status = (err as { statusCode?: number }).statusCode ?? 500;
    return reply
      .code(status)
      .send({ error: status < 500 ? 'bad-request' : 'internal', message: err.message });
  });
  const r = ctx.registry;
  const parse = <T>(schema: z.ZodType<T>, body: unknown): T => {
    const p = schema.safeParse(body ?? {});
    if (!p.success)
      throw Object.assign(
        new Error(p.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')),
        { statusCode: 400 },
      );
    return p.data;
  };
  /** An unknown group is the request's fault (400); an unknown device is 404. */
  const badRequest = (fn: () => unknown) => {
    try {
      return fn();
    } catch (e) {
      if (e instanceof InputError && !/^no device/.test(e.message))
        throw Object.assign(new Error(e.message), { statusCode: 400 });
      throw e;
    }
  };
  app.get('/v1/devices', async () => r.list());
  app.get<{ Params: { id: string } }>('/v1/devices/:id', async (req) => {
    const d = r.get(req.params.id);
    if (!d) throw new InputError(`no device '${req.params.id}' in the registry`);
    return d;
  });
  app.post<{ Params: { id: string } }>('/v1/devices/:id/group', async (req) => {
    const b = parse(groupBody, req.body);
    return badRequest(() => r.setGroup(req.params.id, b.group));
  });
  app.post<{ Params: { id: string } }>('/v1/devices/:id/confirm', async (req) => r.confirm(req.params.id));
  app.post<{ Params: { id: string } }>('/v1/devices/:id/restrict', async (req) => {
    const b = parse(restrictBody, req.body);
    return r.restrict(req.params.id, b.level, b.reason ?? 'by the API', 'api');
  });
  app.post<{ Params: { id: string } }>('/v1/devices/:id/unrestrict', async (req) =>
    r.unrestrict(req.params.id),
  );
  app.get('/v1/devices-map', async () => ctx.map());
  app.get('/v1/devices-status', async () => ctx.status());
  return app;
}
