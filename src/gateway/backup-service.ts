/**
 * The user's way in while the gateway is isolated: HTTPS on the backup port, the one WAN port left open,
 * with the password from the configuration (`backup.access`). It shows the gateway's state, hands out the
 * self-isolation bundle (EVE, pcap, tables) and ends the isolation. Failed logins are limited per address.
 * The certificate is self-signed, made once and kept in the state directory; the gateway logs its fingerprint.
 *
 * GET / (status), GET /bundle (the latest bundle; one is made if none exists), POST /bundle (a new one),
 * POST /unisolate.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { persistentSelfSigned, type Component, type Health } from '../framework/index.js';
import { OperationalError } from '../framework/errors.js';
import type { Bundles } from './bundle.js';
import { sameSecret, secretOf } from './secret.js';

export interface BackupServiceConfig {
  port: number;
  host: string;
  password: string;
  stateDir: string;
  bundles: Bundles;
  status: () => Promise<unknown>;
  unisolate: () => Promise<void>;
  log: (line: string) => void;
}

/** Failed logins allowed per address and minute before it is refused outright. */
const FAILS_PER_MINUTE = 10;

function certificate(stateDir: string): { key: string; cert: string; fingerprint256: string } {
  return persistentSelfSigned(
    stateDir,
    { key: 'backup-tls.key', cert: 'backup-tls.crt' },
    { commonName: 'moat gateway backup port', days: 3650 },
  );
}

export class BackupService implements Component<BackupServiceConfig> {
  readonly name = 'backup-service';
  readonly dependsOn = ['router'];
  private app?: FastifyInstance;
  private readonly fails = new Map<string, { n: number; until: number }>();
  fingerprint = '';

  constructor(readonly config: BackupServiceConfig) {}

  async start(): Promise<void> {
    const c = this.config;
    const tls = certificate(c.stateDir);
    this.fingerprint = tls.fingerprint256;
    const app = Fastify({ logger: false, bodyLimit: 1 << 12, https: { key: tls.key, cert: tls.cert } });
    app.addHook('onRequest', async (req, reply) => {
      const ip = req.socket.remoteAddress ?? '?';
      const now = Date.now();
      const f = this.fails.get(ip);
      if (f && f.until > now && f.n >= FAILS_PER_MINUTE)
        return reply.code(429).send({ error: 'too many failed logins; wait a minute' });
      const got = secretOf(req.headers.authorization);
      if (got !== undefined && sameSecret(got, c.password)) return;
      const entry = f && f.until > now ? f : { n: 0, until: now + 60_000 };
      entry.n++;
      this.fails.set(ip, entry);
      if (this.fails.size > 10_000) this.fails.clear();
      c.log(`backup port: refused ${req.method} ${req.url} from ${ip}`);
      return reply
        .code(401)
        .header('www-authenticate', 'Basic realm="moat gateway"')
        .send({ error: 'unauthorized: the backup password is needed (Bearer or Basic)' });
    });
    app.get('/', async () => ({
      gateway: await c.status(),
      bundles: c.bundles.list().map((b) => ({ name: b.name, bytes: b.bytes, createdAt: b.createdAt })),
    }));
    const send = (b: ReturnType<Bundles['list']>[number]) => ({
      headers: {
        'content-type': 'application/gzip',
        'content-disposition': `attachment; filename="${b.name}"`,
      },
      body: c.bundles.read(b),
    });
    app.get('/bundle', async (_req, reply) => {
      const b = c.bundles.latest() ?? (await c.bundles.make('asked for on the backup port'));
      const s = send(b);
      return reply.headers(s.headers).send(s.body);
    });
    app.post('/bundle', async (_req, reply) => {
      const s = send(await c.bundles.make('asked for on the backup port'));
      return reply.headers(s.headers).send(s.body);
    });
    app.post('/unisolate', async () => {
      await c.unisolate();
      c.log('backup port: the user ended the isolation');
      return { isolated: false };
    });
    try {
      await app.listen({ host: c.host, port: c.port });
    } catch (e) {
      throw new OperationalError(`backup port ${c.port}: cannot listen: ${(e as Error).message}`);
    }
    this.app = app;
    c.log(`backup port: HTTPS on ${c.host}:${c.port}, certificate SHA-256 ${this.fingerprint}`);
  }

  async stop(): Promise<void> {
    await this.app?.close();
    this.app = undefined;
  }

  health(): Health {
    return { ok: this.app !== undefined, detail: `https port ${this.config.port}` };
  }
}
