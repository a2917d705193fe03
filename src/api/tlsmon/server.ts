/**
 * The monitor's HTTP API: fastify bound to loopback by default, an API key when configured (sent as
 * `Authorization: Bearer KEY` like every moat API, `x-api-key` still accepted; compared in constant time), JSON
 * errors, bounded bodies.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { timingSafeEqual, createHash } from 'node:crypto';
import { registerTlsmonRoutes, type TlsmonRouteContext } from './routes.js';
import { API_KEY_HELP, apiKeyOf } from '../api-key-header.js';

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
      const got = apiKeyOf(req.headers);
      if (got === undefined || !sameSecret(got, key)) {
        await reply
          .code(401)
          .send({ error: 'unauthorized', message: `a valid API key is required (${API_KEY_HELP})` });
      }
    });
  }
  registerTlsmonRoutes(app, ctx);
  return app;
}
