/**
 * Every API route is declared once: method, path, the role it needs, zod schemas for its parameters, query and
 * body. Registration enforces them in that order — session, role, CSRF token on changes, schema — and the same
 * declarations produce the OpenAPI document, so the document lists exactly what is served.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Accounts, Role, Session } from './auth.js';

export type Access = 'public' | 'read' | 'admin';

export interface Call<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  session: Session | undefined;
  req: FastifyRequest;
  reply: FastifyReply;
}

export interface RouteDef<P = unknown, Q = unknown, B = unknown> {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  summary: string;
  access: Access;
  /** Changes are audited and need the CSRF token (every non-GET route). */
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  /** A stream (SSE) or a reply the handler sends itself. */
  raw?: boolean;
  handler: (c: Call<P, Q, B>) => unknown;
}

/** Keeps each route's types while collecting them in one list. */
export function route<P = undefined, Q = undefined, B = undefined>(d: RouteDef<P, Q, B>): RouteDef {
  return d as unknown as RouteDef;
}

export const SESSION_COOKIE = 'moat_console';
export const CSRF_HEADER = 'x-csrf-token';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly problems?: Array<{ path: string; message: string }>,
  ) {
    super(message);
  }
}

/** Another component's typed failures carry their HTTP status (IoT: 403 not authorised, 404 unknown, 502 …). */
export async function iotStep<T>(run: () => Promise<T> | T): Promise<T> {
  try {
    return await run();
  } catch (e) {
    const status = (e as { status?: unknown }).status;
    if (typeof status === 'number' && e instanceof Error) throw new HttpError(status, e.message);
    throw e;
  }
}

function issues(err: z.ZodError, where: string): Array<{ path: string; message: string }> {
  return err.issues.map((i) => ({
    path: [where, ...i.path.map(String)].join('.'),
    message: i.message,
  }));
}

const allowed = (access: Access, role: Role | undefined): boolean =>
  access === 'public' ||
  (access === 'read' && role !== undefined) ||
  (access === 'admin' && role === 'admin');

export function registerRoutes(app: FastifyInstance, routes: readonly RouteDef[], accounts: Accounts): void {
  for (const r of routes) {
    app.route({
      method: r.method,
      url: r.path,
      handler: async (req, reply) => {
        const session = accounts.session(req.cookies[SESSION_COOKIE]);
        if (r.access !== 'public') {
          if (!session) return reply.code(401).send({ error: 'log in first' });
          if (!allowed(r.access, session.role))
            return reply.code(403).send({ error: `${session.role} may not ${r.method} ${r.path}` });
          if (r.method !== 'GET' && req.headers[CSRF_HEADER] !== session.csrf)
            return reply.code(403).send({ error: 'missing or wrong CSRF token' });
        }
        const parts: Record<'params' | 'query' | 'body', unknown> = {
          params: undefined,
          query: undefined,
          body: undefined,
        };
        for (const k of ['params', 'query', 'body'] as const) {
          const schema = r[k];
          if (!schema) continue;
          const p = schema.safeParse(req[k] ?? (k === 'body' ? {} : undefined));
          if (!p.success)
            return reply.code(400).send({ error: `invalid ${k}`, problems: issues(p.error, k) });
          parts[k] = p.data;
        }
        try {
          const out = await r.handler({ ...parts, session, req, reply } as Call<unknown, unknown, unknown>);
          if (r.raw) return reply;
          return out ?? { ok: true };
        } catch (e) {
          if (e instanceof HttpError)
            return reply
              .code(e.status)
              .send({ error: e.message, ...(e.problems ? { problems: e.problems } : {}) });
          throw e;
        }
      },
    });
  }
}

const toSchema = (s: z.ZodType, io: 'input' | 'output' = 'input'): Record<string, unknown> =>
  z.toJSONSchema(s, { io, unrepresentable: 'any' }) as Record<string, unknown>;

/** OpenAPI 3.1 from the route declarations. */
export function openApiDocument(routes: readonly RouteDef[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = r.path.replace(/:(\w+)/g, '{$1}');
    const op: Record<string, unknown> = {
      summary: r.summary,
      operationId: `${r.method.toLowerCase()}${path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      'x-access': r.access,
      security: r.access === 'public' ? [] : [{ session: [] }],
      responses: {
        '200': { description: 'done' },
        '400': {
          description: 'a parameter, query or body field failed its schema; problems name each field',
        },
        ...(r.access === 'public'
          ? {}
          : { '401': { description: 'no session' }, '403': { description: 'role or CSRF token refused' } }),
      },
    };
    const parameters: unknown[] = [];
    for (const [where, schema] of [
      ['path', r.params],
      ['query', r.query],
    ] as const) {
      if (!schema) continue;
      const js = toSchema(schema);
      const props = (js.properties ?? {}) as Record<string, unknown>;
      const required = new Set((js.required as string[] | undefined) ?? []);
      for (const [name, s] of Object.entries(props))
        parameters.push({ name, in: where, required: where === 'path' || required.has(name), schema: s });
    }
    if (parameters.length) op.parameters = parameters;
    if (r.body)
      op.requestBody = { required: true, content: { 'application/json': { schema: toSchema(r.body) } } };
    if (r.method !== 'GET' && r.access !== 'public')
      op.parameters = [
        ...((op.parameters as unknown[]) ?? []),
        { name: CSRF_HEADER, in: 'header', required: true, schema: { type: 'string' } },
      ];
    (paths[path] ??= {})[r.method.toLowerCase()] = op;
  }
  return {
    openapi: '3.1.0',
    info: { title: 'moat console API', version },
    components: { securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE } } },
    paths,
  };
}
