/**
 * The monitor's HTTP API: fastify bound to loopback by default, an API key when configured (sent as `x-api-key`,
 * compared in constant time), JSON errors, bounded bodies.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { timingSafeEqual, createHash } from 'node:crypto';
import { registerTlsmonRoutes, type TlsmonRouteContext } from './routes.js';

export interface TlsmonApiOptions {
  apiKey?: string;
  bodyLimit?: number;
}

function sameSecret(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

export function buildTlsmonApi(ctx: TlsmonRouteContext, o: TlsmonApiOptions = {}): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: o.bodyLimit ?? 1 << 20 });
  if (o.apiKey) {
    const key = o.apiKey;
    app.addHook('onRequest', async (req, reply) => {
      const got = req.headers['x-api-key'];
      if (typeof got !== 'string' || !sameSecret(got, key)) {
        await reply.code(401).send({ error: 'missing or wrong x-api-key' });
      }
    });
  }
  registerTlsmonRoutes(app, ctx);
  return app;
}
