/**
 * The console's HTTPS server: the built web app (dist/web, no CDN), the API routes of route-table.ts, login with a
 * per-address rate limit and per-account lockout, SSE for live updates. `mountConsole` adds the same to a Fastify
 * app someone else runs (the gateway daemon); `startConsole` runs it standalone (`moat console`).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import { z } from 'zod';
import { persistentSelfSigned, type Publisher } from '../framework/index.js';
import type { SqliteStore } from '../store/index.js';
import { BundleStore } from '../verify/index.js';
import { Accounts } from './auth.js';
import { ConsoleDb } from './console-db.js';
import { activeRuleLookup, type ConsoleContext } from './context.js';
import { LiveHub } from './live.js';
import { CONSOLE_SCHEMA } from './schema.js';
import { DirectoryStoreView, RecordedStoreView, type StoreView } from './store-view.js';
import type { DeviceDirectory, GatewayConfigHook, IotControl } from './ports.js';
import {
  openApiDocument,
  registerRoutes,
  route,
  HttpError,
  SESSION_COOKIE,
  type RouteDef,
} from './route-table.js';
import { setupRoutes } from './routes-setup.js';
import { dailyRoutes } from './routes-daily.js';
import { adminRoutes } from './routes-admin.js';
import { iotRoutes } from './routes-iot.js';

export interface ConsoleOptions {
  store: SqliteStore;
  /** Gateway configuration and state directory; also holds the console's certificate and kept bundles. */
  stateDir: string;
  vendorKeys?: string[];
  /**
   * Where verified bundles are kept (default `<stateDir>/bundles`). In the gateway daemon it is the directory the
   * live inspection loads from (`verdicts.rules.bundleDir`), so a bundle fetched, activated or rolled back in the
   * console is the one the kernel's rule verdicts come from.
   */
  bundleDir?: string;
  /** Another view of the other components' tables (default: the recorded store as it is). */
  view?: StoreView;
  defaultPolicyFile?: string;
  /** Sandbox report directory (`<sha256>.report.json`). */
  reportDir?: string;
  /** The built web app; found next to the compiled code by default. */
  webDir?: string;
  /** Restrictions go out as `cache-entry` (device-level drop, diagnosis 'operator') and `device` messages. */
  bus?: Publisher;
  /** Login attempts per address per minute before 429. */
  loginRate?: number;
  /** In the gateway daemon: the running device registry (devices page, restrictions into the kernel). */
  directory?: DeviceDirectory;
  /** In the gateway daemon with the IoT component: device control and the initial check. */
  iot?: IotControl;
  /** In the gateway daemon: its configuration file and reload, for the network step of the set-up. */
  gatewayConfig?: GatewayConfigHook;
}

export interface Console {
  ctx: ConsoleContext;
  routes: RouteDef[];
  /** Hands an EVE alert to the console: stored, pushed over SSE and to the channels. */
  alert(ev: Record<string, unknown>): number;
}

export function findWebDir(): string | undefined {
  for (const rel of ['../web/', '../../web/', '../../dist/web/']) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(join(dir, 'index.html'))) return dir;
  }
  return undefined;
}

/** Registers the console (API + web app) on `app`, which must be serving HTTPS for the Secure cookie to hold. */
export async function mountConsole(app: FastifyInstance, o: ConsoleOptions): Promise<Console> {
  o.store.migrate(CONSOLE_SCHEMA);
  const cdb = new ConsoleDb(o.store.db);
  const accounts = new Accounts(o.store.db);
  const bundles = new BundleStore(o.store, o.bundleDir ?? join(o.stateDir, 'bundles'), o.vendorKeys ?? []);
  const rules = activeRuleLookup(() => bundles);
  const live = new LiveHub(cdb, rules);
  const ctx: ConsoleContext = {
    store: o.store,
    view:
      o.view ??
      (o.directory ? new DirectoryStoreView(o.store.db, o.directory) : new RecordedStoreView(o.store.db)),
    cdb,
    accounts,
    live,
    bundles,
    vendorKeys: o.vendorKeys ?? [],
    stateDir: o.stateDir,
    defaultPolicyFile: o.defaultPolicyFile,
    bus: o.bus,
    directory: o.directory,
    iot: o.iot,
    gatewayConfig: o.gatewayConfig,
  };
  await app.register(fastifyCookie);
  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('x-frame-options', 'DENY');
    reply.header('referrer-policy', 'no-referrer');
    reply.header(
      'content-security-policy',
      "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
    );
    reply.header('strict-transport-security', 'max-age=31536000');
    return payload;
  });

  const attempts = new Map<string, number[]>();
  const loginRate = o.loginRate ?? 10;
  const routes: RouteDef[] = [
    route({
      method: 'GET',
      path: '/api/session',
      summary: 'Who is logged in (and the CSRF token for changes); whether first-boot set-up is needed',
      access: 'public',
      handler: ({ session }) =>
        session
          ? {
              authenticated: true,
              user: session.user,
              role: session.role,
              csrf: session.csrf,
              setupNeeded: false,
            }
          : { authenticated: false, setupNeeded: accounts.count() === 0 },
    }),
    route({
      method: 'POST',
      path: '/api/login',
      summary: 'Log in; locks the account after repeated failures',
      access: 'public',
      body: z.strictObject({ user: z.string().min(1).max(64), password: z.string().min(1).max(200) }),
      handler: ({ body, req, reply }) => {
        const now = Date.now();
        const recent = (attempts.get(req.ip) ?? []).filter((t) => t > now - 60_000);
        if (recent.length >= loginRate) {
          reply.header('retry-after', '60');
          throw new HttpError(429, 'too many login attempts from this address; wait a minute');
        }
        recent.push(now);
        attempts.set(req.ip, recent);
        const r = accounts.login(body.user, body.password);
        if (!r.ok) {
          cdb.audit(body.user, r.reason === 'locked' ? 'login-locked' : 'login-failed', req.ip, null);
          if (r.reason === 'locked') {
            reply.header('retry-after', String(r.retryAfterS ?? 900));
            throw new HttpError(423, 'account locked after repeated failures; try again later');
          }
          throw new HttpError(401, 'wrong user name or password');
        }
        reply.setCookie(SESSION_COOKIE, r.token, {
          httpOnly: true,
          secure: true,
          sameSite: 'strict',
          path: '/',
        });
        cdb.audit(r.session.user, 'login', req.ip, null);
        return { user: r.session.user, role: r.session.role, csrf: r.session.csrf };
      },
    }),
    route({
      method: 'POST',
      path: '/api/logout',
      summary: 'End the session',
      access: 'read',
      handler: ({ req, reply, session }) => {
        accounts.logout(req.cookies[SESSION_COOKIE] ?? '');
        reply.clearCookie(SESSION_COOKIE, { httpOnly: true, secure: true, sameSite: 'strict', path: '/' });
        cdb.audit(session!.user, 'logout', req.ip, null);
        return { ok: true };
      },
    }),
    route({
      method: 'GET',
      path: '/api/events',
      summary: 'Live updates (server-sent events: alert, device, bundle)',
      access: 'read',
      raw: true,
      handler: ({ reply }) => live.attach(reply),
    }),
    route({
      method: 'GET',
      path: '/api/openapi.json',
      summary: 'This document',
      access: 'read',
      handler: () => openApiDocument(routes, '1'),
    }),
    ...setupRoutes(ctx),
    ...dailyRoutes(ctx, rules, o.reportDir),
    ...adminRoutes(ctx),
    ...iotRoutes(ctx),
  ];
  registerRoutes(app, routes, accounts);

  const webDir = o.webDir ?? findWebDir();
  if (webDir) {
    await app.register(fastifyStatic, { root: webDir, prefix: '/', index: 'index.html', wildcard: false });
    // Client-side routes (/devices, /alerts/12 …) get the app; unknown API paths stay 404 JSON.
    app.setNotFoundHandler((req, reply) =>
      req.url.startsWith('/api/')
        ? reply.code(404).send({ error: `no route ${req.method} ${req.url.split('?')[0]}` })
        : reply.type('text/html').sendFile('index.html'),
    );
  }
  app.addHook('onClose', async () => live.close());
  return { ctx, routes, alert: (ev) => live.alert(ev) };
}

export interface ConsoleCertificate {
  key: string;
  cert: string;
  fingerprint256: string;
  created: boolean;
}

/** The console's certificate: made on first boot, kept in the state directory, pinned by its fingerprint. */
export function consoleCertificate(stateDir: string, names: readonly string[] = []): ConsoleCertificate {
  return persistentSelfSigned(
    stateDir,
    { key: 'console-key.pem', cert: 'console-cert.pem' },
    { commonName: 'moat console', altNames: ['DNS:localhost', 'IP:127.0.0.1', ...names], days: 825 },
  );
}

export interface StartedConsole extends Console {
  app: FastifyInstance;
  url: string;
  certificate: ConsoleCertificate;
  close(): Promise<void>;
}

export async function startConsole(
  o: ConsoleOptions & { host: string; port: number },
): Promise<StartedConsole> {
  const certificate = consoleCertificate(
    o.stateDir,
    o.host !== '127.0.0.1' && /^[\d.]+$/.test(o.host) ? [`IP:${o.host}`] : [],
  );
  const app = Fastify({
    https: { key: certificate.key, cert: certificate.cert },
    logger: false,
    bodyLimit: 1 << 20,
  });
  const c = await mountConsole(app, o);
  await app.listen({ host: o.host, port: o.port });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : o.port;
  return {
    ...c,
    app,
    certificate,
    url: `https://${o.host.includes(':') ? `[${o.host}]` : o.host}:${port}`,
    close: async () => {
      await app.close();
    },
  };
}
