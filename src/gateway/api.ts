/**
 * The gateway daemon's HTTP API (fastify): its tables for the console and for `moat gateway peers`. Two
 * listeners share the routes: a unix socket in the state directory (mode 0600: root on the gateway, no key), and,
 * when `api.port` is set, TCP on the user zone's gateway address and loopback with `Authorization: Bearer KEY`.
 *
 * GET /api/status, /api/capture, /api/tables/{nat,sessions,map,neighbours,peers,devices}.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { chmodSync, rmSync } from 'node:fs';
import type { Component, Health } from '../framework/index.js';
import { OperationalError } from '../framework/errors.js';
import type { GatewayPlan } from './config-rules.js';
import { listConntrack } from './conntrack.js';
import type { Device } from './device-table.js';
import type { CaptureStatus } from './inspection.js';
import { listNeighbours } from './neighbours.js';
import type { PeerRow } from './peers.js';
import { sameSecret, secretOf } from './secret.js';
import { natTable, portMappings, sessionTable } from './tables.js';

export interface GatewayTables {
  plan(): GatewayPlan;
  devices(): Device[];
  peers(): PeerRow[];
  capture(): CaptureStatus | undefined;
  status(): Promise<unknown>;
}

export function registerTableRoutes(app: FastifyInstance, t: GatewayTables): void {
  app.get('/api/status', () => t.status());
  app.get('/api/capture', () => t.capture() ?? { enabled: false });
  app.get('/api/tables/nat', async () => natTable(t.plan(), await listConntrack()));
  app.get('/api/tables/sessions', async () => sessionTable(t.plan(), await listConntrack()));
  app.get('/api/tables/map', async () => portMappings(t.plan(), await listConntrack()));
  app.get('/api/tables/neighbours', () => listNeighbours(t.plan()));
  app.get('/api/tables/peers', () => t.peers());
  app.get('/api/tables/devices', () => t.devices());
  app.setErrorHandler((err: Error & { statusCode?: number }, _req, reply) => {
    void reply.code(err.statusCode ?? 500).send({ error: err.message });
  });
}

function build(t: GatewayTables, key?: string): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 1 << 16 });
  if (key !== undefined)
    app.addHook('onRequest', async (req, reply) => {
      const got = secretOf(req.headers.authorization);
      if (got === undefined || !sameSecret(got, key))
        await reply.code(401).send({ error: 'unauthorized: send Authorization: Bearer <api key>' });
    });
  registerTableRoutes(app, t);
  return app;
}

export interface ApiConfig {
  tables: GatewayTables;
  socketPath: string;
  /** TCP listeners (user zone address, loopback) with their key; absent = the socket only. */
  tcp?: { hosts: string[]; port: number; key: string };
  log: (line: string) => void;
}

export class GatewayApi implements Component<ApiConfig> {
  readonly name = 'api';
  readonly dependsOn = ['router'];
  private apps: FastifyInstance[] = [];
  private where: string[] = [];

  constructor(readonly config: ApiConfig) {}

  async start(): Promise<void> {
    const c = this.config;
    // A socket file left by a killed gateway (the PID file says no other runs) is replaced.
    rmSync(c.socketPath, { force: true });
    const local = build(c.tables);
    await local.listen({ path: c.socketPath });
    chmodSync(c.socketPath, 0o600);
    this.apps.push(local);
    this.where.push(c.socketPath);
    if (c.tcp) {
      for (const host of c.tcp.hosts) {
        const app = build(c.tables, c.tcp.key);
        try {
          await app.listen({ host, port: c.tcp.port });
        } catch (e) {
          await this.stop();
          throw new OperationalError(`api: cannot listen on ${host}:${c.tcp.port}: ${(e as Error).message}`);
        }
        this.apps.push(app);
        this.where.push(`http://${host}:${c.tcp.port}`);
      }
    }
    c.log(`api: ${this.where.join(', ')}`);
  }

  async stop(): Promise<void> {
    for (const a of this.apps) await a.close();
    this.apps = [];
    rmSync(this.config.socketPath, { force: true });
  }

  health(): Health {
    return { ok: this.apps.length > 0, detail: this.where.join(', ') };
  }
}

/** GET from a running gateway's unix socket (the CLI's tables that live in the daemon). */
export async function getFromDaemon<T>(socketPath: string, path: string): Promise<T> {
  const http = await import('node:http');
  return new Promise((resolve, reject) => {
    const req = http.get({ socketPath, path, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => {
        if (res.statusCode !== 200)
          reject(new OperationalError(`gateway API ${path}: ${res.statusCode} ${body}`));
        else resolve(JSON.parse(body) as T);
      });
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (e) =>
      reject(
        new OperationalError(
          `cannot reach the running gateway at ${socketPath} (${(e as NodeJS.ErrnoException).code ?? e.message}): is moat gateway running?`,
        ),
      ),
    );
  });
}
