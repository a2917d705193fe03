/**
 * A real inter-component path through the bus: `moat tlsmon` live on loopback, composed by the registry (bus →
 * tlsmon → security → api → capture), judges a self-signed server risky; the verdict travels on the bus to the
 * security component, which records it in the event cache kept in the store (`--db`). With `--bus redis://…` the same
 * verdict is also delivered to a consumer in another process (another component group), and the security group
 * leaves nothing unacknowledged. The API reports every component's health together. A bus that cannot be reached
 * stops the start-up with one line naming it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { selfSignedServer, tlsHandshake } from '../helpers/tls-server.js';
import { freePort } from '../helpers/free-port.js';
import { createRedisClient, type RedisClient } from '../../src/store/index.js';
import { haveRedisServer, startRedisServer, type RedisServer } from './redis-server.js';
import { liveCaptureMissing } from '../helpers/live-capture.js';

const MOAT = join(process.cwd(), 'bin', 'moat.js');
const HELPER = fileURLToPath(new URL('./bus-helper.js', import.meta.url));

const skipLive = liveCaptureMissing() ?? false;
const skipRedis = skipLive || (haveRedisServer() ? false : 'redis-server not installed');

let server: RedisServer | undefined;
let raw: RedisClient | undefined;
before(async () => {
  if (skipRedis) return;
  server = await startRedisServer();
  raw = createRedisClient(server.url);
});
after(async () => {
  raw?.disconnect();
  await server?.stop();
});

interface Components {
  components: Array<{ name: string; state: string; ok: boolean; detail?: string }>;
}

async function runTlsmon(busUrl: string | undefined): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'moat-tlsmon-bus-'));
  const children: Array<ReturnType<typeof spawn>> = [];
  try {
    const { server: tls, port } = await selfSignedServer(dir, 'c2.moat.test', {
      key: 'rsa',
      reply: 'x',
      tls: { maxVersion: 'TLSv1.2' },
    });
    // Its own free port: port + 1 was never checked, and an outgoing connection could hold it (the API then
    // fails to bind and tlsmon exits before the test asks it anything).
    const apiPort = await freePort();
    // One store (--db) holds the monitor's tables and the security event cache.
    const securityDb = join(dir, 'moat.db');
    const consumerOut = join(dir, 'console.out');
    if (busUrl) {
      // Another component, in its own process: group 'console' on the verdict topic.
      const c = spawn(
        process.execPath,
        [HELPER, 'consume', busUrl, 'moat:bus:', 'console', 'box-c', consumerOut],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      children.push(c);
      await new Promise<void>((resolve, reject) => {
        c.stdout.on('data', (d: Buffer) => {
          if (d.toString().includes('ready')) resolve();
        });
        c.once('exit', () => reject(new Error('the consumer exited before subscribing')));
      });
    }
    const args = [
      MOAT,
      'tlsmon',
      '-i',
      'lo',
      '--bpf',
      `tcp port ${port}`,
      '--policy',
      join(process.cwd(), 'config', 'policies.yaml'),
      '--db',
      securityDb,
      '--eve',
      join(dir, 'eve.json'),
      '--duration',
      '7',
      '--api',
      `127.0.0.1:${apiPort}`,
      ...(busUrl ? ['--bus', busUrl] : []),
    ];
    const moat = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(moat);
    let stderr = '';
    moat.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((r) => moat.once('exit', r));
    try {
      for (let i = 0; i < 150 && !stderr.includes('configuration API on'); i++)
        await new Promise((r) => setTimeout(r, 100));
      assert.ok(stderr.includes('configuration API on'), `tlsmon did not start its API: ${stderr}`);
      await new Promise((r) => setTimeout(r, 1000));
      await tlsHandshake(port, 'c2.moat.test');
      await new Promise((r) => setTimeout(r, 700));
      const stats = (await (
        await fetch(`http://127.0.0.1:${apiPort}/v1/tlsmon/stats`)
      ).json()) as Components & {
        risky: number;
      };
      assert.equal(stats.risky, 1);
      assert.deepEqual(
        stats.components.map((c) => `${c.name}:${c.state}:${c.ok}`),
        [
          'bus:running:true',
          'tlsmon:running:true',
          'security:running:true',
          'api:running:true',
          'capture:running:true',
        ],
      );
      assert.match(stats.components[2].detail ?? '', /1 cache entries, 1 from verdicts/);
      assert.match(stats.components[0].detail ?? '', busUrl ? /^redis / : /^in process: 1 subscription/);
      assert.equal(await exited, 0, stderr);
    } finally {
      tls.close();
    }
    const db = new Database(securityDb, { readonly: true });
    const rows = db.prepare('SELECT * FROM security_event_cache').all() as Array<Record<string, unknown>>;
    db.close();
    assert.equal(rows.length, 1, JSON.stringify(rows));
    assert.equal(rows[0].diagnosis, 'tlsmon');
    assert.equal(rows[0].event_id, 'tlsmon:9100001');
    assert.equal(rows[0].dst_port, port);
    assert.equal(rows[0].operation, 'drop', 'the enterprise policy asks for blocking: the entry drops');
    if (busUrl && raw) {
      for (
        let i = 0;
        i < 100 && !(existsSync(consumerOut) && readFileSync(consumerOut, 'utf8').includes('verdict'));
        i++
      )
        await new Promise((r) => setTimeout(r, 50));
      const lines = readFileSync(consumerOut, 'utf8').trim().split('\n');
      assert.equal(lines.length, 1, 'the other process got the verdict once');
      assert.match(lines[0], /^verdict \d+-\d+ 9100001 0$/);
      assert.equal(await raw.xlen('moat:bus:verdict'), 1);
      const pending = (await raw.xpending('moat:bus:verdict', 'security')) as [number];
      assert.equal(pending[0], 0, 'the security group acknowledged it');
    }
  } finally {
    for (const c of children)
      if (c.exitCode === null && c.signalCode === null && c.pid) process.kill(c.pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

test(
  'moat tlsmon: a risky verdict reaches the security event cache through the in-process bus',
  { skip: skipLive, timeout: 60_000 },
  async () => {
    await runTlsmon(undefined);
  },
);

test(
  'moat tlsmon --bus redis://…: the verdict reaches the security component and a consumer in another process',
  { skip: skipRedis, timeout: 60_000 },
  async () => {
    await runTlsmon(server?.url);
  },
);

test('moat tlsmon --bus with nothing listening stops at start-up, naming the URL and the cause', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'moat-tlsmon-nobus-'));
  try {
    const port = await freePort();
    const r = spawnSync(
      process.execPath,
      [
        MOAT,
        'tlsmon',
        '-i',
        'lo',
        '--policy',
        join(process.cwd(), 'config', 'policies.yaml'),
        '--db',
        join(dir, 'moat.db'),
        '--eve',
        join(dir, 'eve.json'),
        '--bus',
        `redis://127.0.0.1:${port}`,
      ],
      { encoding: 'utf8', timeout: 30_000 },
    );
    assert.equal(r.status, 2, r.stderr);
    assert.equal(
      r.stderr.trim(),
      `moat: bus: cannot reach Redis at redis://127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}`,
    );
    assert.equal(existsSync(join(dir, 'eve.json')), false, 'nothing was started, no output left behind');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
