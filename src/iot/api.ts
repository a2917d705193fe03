/**
 * The device-control API: fastify, `Authorization: Bearer KEY` on every route (moat's one convention),
 * zod schemas on every body (a bad field is a 400 naming it). Switching or setting a value needs an authorisation
 * the user granted first (`POST /v1/iot/authorisations`); without one the answer is 403 and nothing is sent.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { z } from 'zod';
import { MoatError } from '../framework/errors.js';
import type { CheckReport } from './check/finding.js';
import type { DeviceControl } from './control.js';
import { deviceIdSchema, IOT_PROTOCOLS } from './device.js';
import type { IotStore } from './store.js';

export const grantSchema = z
  .object({
    deviceId: deviceIdSchema,
    action: z.enum(['power', 'set', 'credentials']),
    key: z.string().optional(),
    value: z.union([z.string(), z.number(), z.boolean()]).transform(String).optional(),
    /** Who authorises: the user's name as the console or CLI knows it. */
    who: z.string().min(1).max(128),
    ttlSeconds: z.number().int().min(1).max(86_400).optional(),
    uses: z.number().int().min(1).max(1000).optional(),
  })
  .strict();

export const controlSchema = z
  .object({
    authorisation: z.string().optional(),
    action: z.enum(['power', 'set']),
    key: z.string().optional(),
    value: z.union([z.string(), z.number(), z.boolean()]).transform(String),
    via: z.enum(IOT_PROTOCOLS).optional(),
  })
  .strict();

const checkSchema = z.object({ devices: z.array(deviceIdSchema).optional() }).strict();

export interface IotApiContext {
  control: DeviceControl;
  store: IotStore;
  /** The devices served, with what is known about each. */
  devices: () => unknown[];
  identify: (id: string) => Promise<unknown>;
  check: (ids?: string[]) => Promise<CheckReport>;
}

function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

function problems(err: z.ZodError): string[] {
  return err.issues.map((i) => `${i.path.length ? i.path.join('.') : '(body)'}: ${i.message}`);
}

function parse<T extends z.ZodType>(schema: T, body: unknown, reply: FastifyReply): z.output<T> | undefined {
  const r = schema.safeParse(body ?? {});
  if (r.success) return r.data;
  void reply.code(400).send({ error: 'bad request', problems: problems(r.error) });
  return undefined;
}

/** A typed failure as its HTTP status; anything else is a bug and fastify answers 500. */
async function answer<T>(reply: FastifyReply, run: () => Promise<T> | T): Promise<T | undefined> {
  try {
    return await run();
  } catch (e) {
    const status = (e as { status?: unknown }).status;
    if (e instanceof MoatError && typeof status === 'number') {
      void reply.code(status).send({ error: e.message });
      return undefined;
    }
    throw e;
  }
}

export function buildIotApi(ctx: IotApiContext, o: { apiKey: string; bodyLimit?: number }): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: o.bodyLimit ?? 64 * 1024 });
  app.addHook('onRequest', async (req, reply) => {
    const h = req.headers.authorization;
    const got = typeof h === 'string' && /^bearer /i.test(h) ? h.slice(7).trim() : undefined;
    if (!got || !sameSecret(got, o.apiKey))
      await reply.code(401).send({ error: 'a valid API key is required (Authorization: Bearer KEY)' });
  });
  const id = (p: unknown) => String((p as { id: string }).id);

  app.get('/v1/iot/devices', async () => ({ devices: ctx.devices() }));
  app.post('/v1/iot/devices/:id/identify', async (req, reply) =>
    answer(reply, () => ctx.identify(id(req.params))),
  );
  app.get('/v1/iot/devices/:id/status', async (req, reply) => {
    const via = (req.query as { via?: string }).via;
    const v = z.enum(IOT_PROTOCOLS).optional().safeParse(via);
    if (!v.success)
      return reply
        .code(400)
        .send({ error: 'bad request', problems: [`via: one of ${IOT_PROTOCOLS.join(', ')}`] });
    return answer(reply, () => ctx.control.status(id(req.params), v.data));
  });
  app.post('/v1/iot/authorisations', async (req, reply) => {
    const g = parse(grantSchema, req.body, reply);
    if (!g) return;
    const a = await answer(reply, () => ctx.control.grant(g));
    if (a) return reply.code(201).send(a);
  });
  app.get('/v1/iot/authorisations', async (req) => ({
    authorisations: ctx.store.authorisations((req.query as { device?: string }).device),
  }));
  app.post('/v1/iot/devices/:id/control', async (req, reply) => {
    const c = parse(controlSchema, req.body, reply);
    if (!c) return;
    return answer(reply, () => ctx.control.control(id(req.params), c));
  });
  app.post('/v1/iot/devices/:id/credentials', async (req, reply) => {
    const c = parse(z.object({ authorisation: z.string().optional() }).strict(), req.body, reply);
    if (!c) return;
    return answer(reply, () => ctx.control.provision(id(req.params), c.authorisation));
  });
  app.get('/v1/iot/audit', async (req) => {
    const q = req.query as { device?: string; limit?: string };
    const limit = Math.min(1000, Math.max(1, Number(q.limit ?? 100) || 100));
    return { audit: ctx.store.auditLog(q.device, limit) };
  });
  app.post('/v1/iot/check', async (req, reply) => {
    const c = parse(checkSchema, req.body, reply);
    if (!c) return;
    return answer(reply, () => ctx.check(c.devices));
  });
  app.get('/v1/iot/check', async (_req, reply) => {
    const r = ctx.store.latestCheckRun();
    return r ? r.report : reply.code(404).send({ error: 'no check has run yet' });
  });
  return app;
}
